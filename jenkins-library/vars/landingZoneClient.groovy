// Runs the promotion API client (resources/landingzone/promote.py) in the current node,
// with the landing zone's promotion token bound from its folder credential. The token is
// never on a command line or in the log. Values reach the client only as environment
// variables named in `command`, never formatted into the shell text.
//
//     landingZoneClient(settings: settings, environment: ["LZ_PROMOTION=${id}"],
//                       command: 'wait --promotion "$LZ_PROMOTION" --timeout 0',
//                       returnStatus: true)

def call(Map config) {
    Map settings = config.settings
    writeFile file: '.landingzone/promote.py', text: libraryResource('landingzone/promote.py')
    List variables = ["LZ_PROMOTION_API=${settings.api}", "LZ_LANDING_ZONE=${settings.landingZone}"]
    if (config.environment) {
        variables.addAll(config.environment)
    }
    String script = 'python3 .landingzone/promote.py ' + config.command + ' --api "$LZ_PROMOTION_API"'
    withEnv(variables) {
        withCredentials([string(credentialsId: settings.tokenId, variable: 'LZ_PROMOTION_TOKEN')]) {
            if (config.returnStdout) {
                return sh(script: script, returnStdout: true)
            }
            if (config.returnStatus) {
                return sh(script: script, returnStatus: true)
            }
            sh(script: script)
        }
    }
}
