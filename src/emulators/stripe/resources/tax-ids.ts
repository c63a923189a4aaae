/**
 * A customer's tax ids (`tax_id_data` on customer create): stored as `tax_id` objects and listed
 * under the customer's includable `tax_ids`, as Stripe returns them with `expand[]=tax_ids`.
 */
import { z } from 'zod';
import { randomToken } from '../ids.ts';
import { str } from '../params.ts';
import type { Engine } from '../engine.ts';
import type { StripeObject } from '../store.ts';

/** The tax id types stripe-node 23.1.0 documents for `tax_id_data[][type]`. */
const TYPES =
  'ad_nrt ae_trn al_tin am_tin ao_tin ar_cuit au_abn au_acn au_arn au_wpn aw_tin az_tin ba_tin bb_tin bd_bin bf_ifu bg_uic bh_vat bj_ifu bo_tin br_cnpj br_cpf bs_tin bw_vat by_tin ca_bn ca_gst_hst ca_pst_bc ca_pst_mb ca_pst_sk ca_qst cd_nif ch_uid ch_vat ci_vat cl_tin cm_niu cn_tin co_nit cr_tin cv_nif cz_dic de_stn do_rcn ec_ruc eg_tin es_cif et_tin eu_oss_vat eu_vat fo_vat fr_siren fr_siret fr_spi gb_vat ge_vat gh_tin gi_tin gn_nif hk_br hr_oib hu_tin ic_nif id_npwp il_vat in_gst is_kt is_vat it_cf jp_cn jp_rn jp_trn ke_pin kg_tin kh_tin kr_brn kz_bin la_tin li_uid li_vat lk_vat ma_vat md_cf md_vat me_pib mk_vat mr_nif mu_vat mx_rfc my_frp my_itn my_sst mz_nuit ng_tin no_vat no_voec np_pan nz_bn nz_gst om_vat pe_ruc ph_tin pl_nip pt_nif py_ruc ro_tin rs_pib ru_inn ru_kpp sa_vat sg_gst sg_uen si_tin sm_coe sn_ninea sr_fin sv_nit th_vat tj_tin tr_tin tt_bir tt_vat tw_vat tz_vat ua_vat ug_tin us_ein uy_ruc uz_tin uz_vat ve_rif vn_tin za_vat zm_tin zw_tin'.split(
    ' ',
  ) as [string, ...string[]];
const KNOWN = new Set(TYPES);

/** Types whose numbers Stripe verifies with a government service (verification starts `pending`). */
const VERIFIED = new Set(['eu_vat', 'gb_vat', 'au_abn']);

/** EU VAT numbers start with the country's code, Greece's being EL. */
function countryOf(type: string, value: string): string {
  if (type === 'eu_vat' || type === 'eu_oss_vat') {
    const prefix = value.slice(0, 2).toUpperCase();
    return prefix === 'EL' ? 'GR' : prefix;
  }
  return type.slice(0, 2).toUpperCase();
}

export const taxIdDataParam = () =>
  z.strictObject({
    type: z.string({ error: 'Invalid {param}: must be a tax id type such as eu_vat' }).refine((t) => KNOWN.has(t), {
      error: (iss) => `Invalid {param}: ${String(iss.input)} is not a tax id type Stripe knows (such as eu_vat, gb_vat, us_ein)`,
    }),
    value: str(),
  });

/** A new tax id of the customer, stored. */
export function createTaxId(emu: Pick<Engine, 'store' | 'clock'>, customer: string, data: { type: string; value: string }): StripeObject {
  const id = `txi_${randomToken(24)}`;
  const created = emu.clock.now();
  const taxId: StripeObject = {
    country: countryOf(data.type, data.value),
    created,
    customer,
    id,
    livemode: false,
    object: 'tax_id',
    owner: { customer, type: 'customer', customer_account: null },
    type: data.type,
    value: data.value,
    verification: { status: VERIFIED.has(data.type) ? 'pending' : 'unavailable', verified_address: null, verified_name: null },
    customer_account: null,
  };
  emu.store.insert(taxId);
  return taxId;
}

/** The customer's `tax_ids` list (newest first, as Stripe lists). */
export function taxIdsOf(store: Engine['store'], customer: StripeObject): StripeObject {
  const data = store
    .all('tax_id')
    .filter((t) => t.customer === customer.id)
    .reverse();
  return { object: 'list', data: structuredClone(data), has_more: false, url: `/v1/customers/${customer.id}/tax_ids` };
}
