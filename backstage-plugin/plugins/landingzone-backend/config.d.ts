export interface Config {
  /** Where the landing zone card's backend route finds the Landing Zone service. */
  landingZone: {
    /**
     * Base URL of the service, without the /v1 suffix.
     * @visibility backend
     */
    baseUrl: string;
    /**
     * The credential the backend calls the service with on the signed-in user's behalf.
     * It needs the scopes `landing-zones:read` and `act-on-behalf`; `landing-zones:operate`
     * for retries and `updates:write` for template updates, if the card may offer them.
     * @visibility secret
     */
    token: string;
  };
}
