// The warnings-ng tool that reads a stack's static-analysis report.
//
//     recordIssues tools: [landingZoneIssues(landingZoneStack('maven'))]

def call(Map stack) {
    String pattern = stack.issuesPattern
    switch (stack.issues) {
        case 'spotBugs':
            return spotBugs(pattern: pattern)
        case 'msBuild':
            return msBuild()
        case 'esLint':
            return esLint(pattern: pattern)
        case 'pyLint':
            return pyLint(pattern: pattern)
        default:
            error("landingZoneIssues: no warnings-ng tool for '${stack.issues}'")
    }
}
