// The commands of each stack the certified templates use, in one place: a fix here reaches
// every project of the stack at its next build, without a commit in its repository.
//
//     Map stack = landingZoneStack('maven')   // build, test, testResults, analysis, issues

def call(String name) {
    Map stacks = [
        maven: [
            build: 'mvn -B -ntp -DskipTests package',
            test: 'mvn -B -ntp test',
            testResults: 'target/surefire-reports/*.xml',
            analysis: 'mvn -B -ntp spotbugs:check',
            issues: 'spotBugs', issuesPattern: 'target/spotbugsXml.xml',
        ],
        dotnet: [
            build: 'dotnet build --configuration Release',
            test: 'dotnet test --configuration Release --no-build --logger \'junit;LogFilePath=test-results/{assembly}.xml\'',
            testResults: '**/test-results/*.xml',
            analysis: 'dotnet format --verify-no-changes --severity warn && dotnet build --configuration Release --no-incremental -warnaserror',
            issues: 'msBuild', issuesPattern: "",
        ],
        vite: [
            build: 'if [ -f package-lock.json ]; then npm ci; else npm install --no-audit; fi && npm run build',
            test: 'npm test -- --reporter=default --reporter=junit --outputFile.junit=test-results/junit.xml',
            testResults: 'test-results/junit.xml',
            analysis: 'npm run typecheck && npm run lint -- --format checkstyle --output-file eslint-report.xml',
            issues: 'esLint', issuesPattern: 'eslint-report.xml',
        ],
        'react-native': [
            build: 'if [ -f package-lock.json ]; then npm ci; else npm install --no-audit; fi && npm run bundle',
            test: 'npm test -- --ci --reporters=default --reporters=jest-junit',
            testResults: 'test-results/junit.xml',
            analysis: 'npm run typecheck && npm run lint -- --format checkstyle --output-file eslint-report.xml',
            issues: 'esLint', issuesPattern: 'eslint-report.xml',
        ],
        python: [
            build: 'python -m venv .venv && .venv/bin/pip install --quiet -e \'.[dev]\'',
            test: '.venv/bin/pytest --junitxml=test-results/junit.xml',
            testResults: 'test-results/junit.xml',
            analysis: '.venv/bin/ruff check --output-format=pylint src tests > ruff-report.txt; status=$?; .venv/bin/mypy src && exit $status',
            issues: 'pyLint', issuesPattern: 'ruff-report.txt',
        ],
    ]
    if (!stacks.containsKey(name)) {
        error("landingZoneStack: unknown stack '${name}' (known: ${stacks.keySet().join(', ')})")
    }
    return stacks[name]
}
