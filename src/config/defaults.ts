/** What a run checks unless told otherwise: the upgrade journey, the suite of post-deploy and scheduled runs. */
export const DEFAULT_GREP = '@critical';
