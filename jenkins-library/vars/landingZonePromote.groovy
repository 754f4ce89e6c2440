// The promote pipeline of every Landing Zone project: resolves the image version to its
// digest, scans it, asks the Landing Zone promotion API to deploy it to the target
// environment, waits for the decision (a ServiceNow change where policy asks for one),
// verifies the deployment and reports the outcome.
//
//     landingZonePromote()
//     landingZonePromote(verify: './smoke-test.sh')   // optional: a check after the deploy
//
// The job's only parameters are VERSION (as pushed by the build pipeline) and
// TARGET_ENVIRONMENT. Registry, image, the promotion API and the credentials ids are folder
// properties the service writes. The wait holds no executor: it runs outside node {}, and
// each look at the promotion borrows an agent for one short call.

def call() {
    call(new LinkedHashMap())
}

def call(Map config) {
    String label = config.agentLabel ? config.agentLabel : 'docker'
    int approvalHours = config.approvalTimeoutHours ? Integer.parseInt("${config.approvalTimeoutHours}") : 96
    String version = params.VERSION ? params.VERSION.trim() : ""
    String environment = params.TARGET_ENVIRONMENT ? params.TARGET_ENVIRONMENT.trim() : ""
    if (!(version ==~ '[0-9]+[.][0-9]+[.][0-9]+(-[0-9A-Za-z.]+)?')) {
        error('VERSION must look like 1.2.3 or 1.2.3-rc.1')
    }
    if (!(environment ==~ '[a-z][a-z0-9-]{0,31}')) {
        error('TARGET_ENVIRONMENT must name an environment of the landing zone')
    }
    currentBuild.description = "${version} -> ${environment}"

    Map settings = new LinkedHashMap()
    String digest = ""
    String promotion = ""
    stage('Request') {
        node(label) {
            try {
                withFolderProperties {
                    settings = [
                        registry: landingZoneSetting('REGISTRY'),
                        image: landingZoneSetting('IMAGE'),
                        registryCredentialsId: landingZoneSetting('REGISTRY_CREDENTIALS_ID'),
                        api: landingZoneSetting('PROMOTION_API'),
                        landingZone: landingZoneSetting('LANDING_ZONE_ID'),
                        tokenId: landingZoneSetting('PROMOTION_CREDENTIALS_ID'),
                    ]
                }
                withEnv(["REGISTRY=${settings.registry}", "IMAGE=${settings.image}", "VERSION=${version}"]) {
                    withCredentials([usernamePassword(credentialsId: settings.registryCredentialsId, usernameVariable: 'REGISTRY_USER', passwordVariable: 'REGISTRY_PASSWORD')]) {
                        sh '''
                            echo "$REGISTRY_PASSWORD" | docker login "$REGISTRY" --username "$REGISTRY_USER" --password-stdin
                            docker pull --quiet "$IMAGE:$VERSION"
                            docker image inspect --format "{{index .RepoDigests 0}}" "$IMAGE:$VERSION" | sed "s/.*@//" > image-digest.txt
                            docker logout "$REGISTRY"
                        '''
                    }
                    digest = readFile('image-digest.txt').trim()
                    withEnv(["DIGEST=${digest}"]) {
                        sh 'trivy image --no-progress --format json --output trivy-report.json "$IMAGE@$DIGEST"'
                        archiveArtifacts artifacts: 'image-digest.txt, trivy-report.json', fingerprint: true
                        promotion = landingZoneClient(
                            settings: settings,
                            environment: ["LZ_DIGEST=${digest}", "LZ_VERSION=${version}", "LZ_TARGET=${environment}"],
                            command: 'request --landing-zone "$LZ_LANDING_ZONE" --digest "$LZ_DIGEST" --environment "$LZ_TARGET" --version "$LZ_VERSION" --build-url "$BUILD_URL" --scan-file trivy-report.json',
                            returnStdout: true,
                        ).trim()
                    }
                }
            } finally {
                cleanWs()
            }
        }
    }

    stage('Approval') {
        int status = 3
        timeout(time: approvalHours, unit: 'HOURS') {
            waitUntil(initialRecurrencePeriod: 15000, quiet: true) {
                node(label) {
                    status = landingZoneClient(
                        settings: settings,
                        environment: ["LZ_PROMOTION=${promotion}"],
                        command: 'wait --promotion "$LZ_PROMOTION" --timeout 0',
                        returnStatus: true,
                    )
                }
                return status != 3
            }
        }
        if (status != 0) {
            currentBuild.description = "${version} -> ${environment}: not approved"
            error("Promotion ${promotion} of ${digest} to ${environment} was not approved (the reason is above)")
        }
    }

    stage('Verify') {
        node(label) {
            String result = 'success'
            String notes = "${settings.image}@${digest} (${version}) deployed to ${environment}"
            try {
                if (config.verify) {
                    withEnv(["IMAGE=${settings.image}", "DIGEST=${digest}", "TARGET_ENVIRONMENT=${environment}"]) {
                        sh(config.verify)
                    }
                }
            } catch (Exception failure) {
                result = 'failure'
                notes = "Verification of ${digest} in ${environment} failed: ${failure.message}"
            } finally {
                landingZoneClient(
                    settings: settings,
                    environment: ["LZ_PROMOTION=${promotion}", "LZ_RESULT=${result}", "LZ_NOTES=${notes}"],
                    command: 'outcome --promotion "$LZ_PROMOTION" --result "$LZ_RESULT" --notes "$LZ_NOTES" --build-url "$BUILD_URL"',
                )
                cleanWs()
            }
            currentBuild.description = "${version} -> ${environment}: ${result}"
            if (result != 'success') {
                error(notes)
            }
        }
    }
}
