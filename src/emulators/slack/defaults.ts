/** Where the Slack emulator listens unless told otherwise. */
export const DEFAULT_PORT = 12112;
