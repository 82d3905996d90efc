/** Kept in step with package.json by a unit test; sent in the User-Agent. */
export const ACTION_VERSION = '1.0.0';
export const USER_AGENT = `fastly-deploy-action/${ACTION_VERSION}`;
