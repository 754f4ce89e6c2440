// The build pipeline of every Landing Zone project: checkout, build, unit tests, static
// analysis, image build, image scan (Trivy), push to the registry, publish results (JUnit,
// warnings-ng, the image reference and its digest).
//
//     landingZoneBuild(stack: 'maven', toolImage: 'maven:3.9-eclipse-temurin-21')
//
// `stack` picks the commands (see landingZoneStack); `toolImage` is the container the
// build, the tests and the analysis run in. Registry, image and credentials ids are read from
// the folder properties the service writes (REGISTRY, IMAGE, REGISTRY_CREDENTIALS_ID), never
// from build parameters. The image is <IMAGE>:0.1.<BUILD_NUMBER>; its digest is archived
// as image-digest.txt and shown in the build description.

def call(Map config) {
    Map stack = landingZoneStack(config.stack)
    String toolImage = config.toolImage
    if (!toolImage) {
        error('landingZoneBuild: toolImage is required')
    }

    pipeline {
        agent { label 'docker' }
        options {
            skipDefaultCheckout()
            timestamps()
            timeout(time: 45, unit: 'MINUTES')
            buildDiscarder(logRotator(numToKeepStr: '30'))
            disableConcurrentBuilds()
        }
        environment {
            VERSION = "0.1.${env.BUILD_NUMBER}"
        }
        stages {
            stage('Checkout') {
                steps {
                    script {
                        env.GIT_COMMIT = checkout(scm).GIT_COMMIT
                        withFolderProperties {
                            env.REGISTRY = landingZoneSetting('REGISTRY')
                            env.IMAGE = landingZoneSetting('IMAGE')
                            env.REGISTRY_CREDENTIALS_ID = landingZoneSetting('REGISTRY_CREDENTIALS_ID')
                        }
                        env.IMAGE_REF = "${env.IMAGE}:${env.VERSION}"
                    }
                }
            }
            stage('Build') {
                agent { docker { image toolImage; reuseNode true } }
                steps {
                    sh(stack.build)
                }
            }
            stage('Unit tests') {
                agent { docker { image toolImage; reuseNode true } }
                steps {
                    sh(stack.test)
                }
                post {
                    always {
                        junit testResults: stack.testResults
                    }
                }
            }
            stage('Static analysis') {
                agent { docker { image toolImage; reuseNode true } }
                steps {
                    sh(stack.analysis)
                }
                post {
                    always {
                        recordIssues enabledForFailure: true, tools: [landingZoneIssues(stack)]
                    }
                }
            }
            stage('Image build') {
                steps {
                    sh 'docker build --pull --label "org.opencontainers.image.version=$VERSION" --label "org.opencontainers.image.revision=$GIT_COMMIT" --tag "$IMAGE_REF" .'
                }
            }
            stage('Image scan') {
                steps {
                    sh 'trivy image --no-progress --exit-code 1 --severity HIGH,CRITICAL --format json --output trivy-report.json "$IMAGE_REF"'
                }
                post {
                    always {
                        recordIssues enabledForFailure: true, tools: [trivy(pattern: 'trivy-report.json')]
                    }
                }
            }
            stage('Push') {
                steps {
                    withCredentials([usernamePassword(credentialsId: env.REGISTRY_CREDENTIALS_ID, usernameVariable: 'REGISTRY_USER', passwordVariable: 'REGISTRY_PASSWORD')]) {
                        sh '''
                            echo "$REGISTRY_PASSWORD" | docker login "$REGISTRY" --username "$REGISTRY_USER" --password-stdin
                            docker push "$IMAGE_REF"
                            docker logout "$REGISTRY"
                        '''
                    }
                }
            }
            stage('Publish results') {
                steps {
                    sh 'docker image inspect --format "{{index .RepoDigests 0}}" "$IMAGE_REF" | sed "s/.*@//" > image-digest.txt'
                    writeFile file: 'image.txt', text: "${env.IMAGE_REF}\n"
                    archiveArtifacts artifacts: 'image.txt, image-digest.txt, trivy-report.json', fingerprint: true
                    script {
                        String digest = readFile('image-digest.txt').trim()
                        currentBuild.description = "${env.VERSION} ${digest}"
                    }
                }
            }
        }
        post {
            cleanup {
                sh 'docker image rm "$IMAGE_REF" || true'
                cleanWs()
            }
        }
    }
}
