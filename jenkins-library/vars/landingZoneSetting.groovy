// A platform setting of the landing zone, as the service wrote it into the folder's
// properties: call inside withFolderProperties { }. A missing one stops the build, naming it.
//
//     withFolderProperties { env.IMAGE = landingZoneSetting('IMAGE') }

def call(String name) {
    String value = env[name]
    if (!value) {
        error("The folder property ${name} is missing: the landing zone's Jenkins folder is not set up by Landing Zone")
    }
    return value
}
