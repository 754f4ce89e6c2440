export interface Config {
  /** Where the scaffolder action `landingzone:create` finds the Landing Zone service. */
  landingZone: {
    /**
     * Base URL of the service, without the /v1 suffix.
     * @visibility backend
     */
    baseUrl: string;
    /**
     * Bearer token the service accepts.
     * @visibility secret
     */
    token: string;
  };
}
