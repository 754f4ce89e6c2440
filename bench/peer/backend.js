/**
 * The benchmark's peer: a Backstage backend as an adopter assembles it from npm, with the
 * public scaffolder actions a landing zone template would use, configured by the app-config
 * files given with --config (bench/peer.py writes one pointed at the sandbox).
 */
const http = require('node:http');
const { createBackend } = require('@backstage/backend-defaults');

// Node's default agent keeps idle connections 5 s, exactly as long as the sandbox's servers
// (uvicorn) do, so a call after 5 s of quiet can meet a closing socket ("socket hang up").
// Idle connections are let go a little sooner, as fetch (undici, 4 s) already does.
http.globalAgent = new http.Agent({ keepAlive: true, timeout: 4000 });

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-cookiecutter'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-bitbucket-server'));
backend.add(import('@backstage-community/plugin-scaffolder-backend-module-jenkins'));
backend.add(import('@backstage-community/plugin-scaffolder-backend-module-servicenow'));
backend.start().catch(error => {
  process.stderr.write(`Backstage backend failed to start: ${String(error)}\n`);
  process.exit(1);
});
