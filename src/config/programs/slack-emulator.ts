/** `canary slack-emulator`: the local Slack reads nothing but the log level (its flags say the rest). */
import type { Values, VariableTable } from '../variables.ts';
import { commonVariables } from './common.ts';

export const slackEmulatorVariables = { ...commonVariables } satisfies VariableTable;

export type SlackEmulatorConfig = Values<typeof slackEmulatorVariables>;
