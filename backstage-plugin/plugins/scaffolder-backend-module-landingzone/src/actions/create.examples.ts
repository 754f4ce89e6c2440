import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Request a Java landing zone for the signed-in user. The service registers the component in the catalog and notifies the requester in Backstage; a tenant that needs approval ends the step once the ServiceNow request is open.',
    example: yaml.stringify({
      steps: [
        {
          id: 'landing-zone',
          action: 'landingzone:create',
          name: 'Create landing zone',
          input: {
            name: 'payments-api',
            class: 'java',
            owner: 'group:default/payments',
            description: 'Payments REST API',
            tenant: 'labs',
            system: 'system:default/payments',
            parameters: { javaVersion: 21 },
          },
        },
      ],
    }),
  },
  {
    description:
      'Request a landing zone that needs approval: the step ends as soon as the ServiceNow request is open (the default), so no scaffolder worker waits for the change board.',
    example: yaml.stringify({
      steps: [
        {
          id: 'landing-zone',
          action: 'landingzone:create',
          name: 'Request landing zone',
          input: {
            name: 'branch-locator',
            class: 'web',
            owner: 'group:default/retail-web',
            description: 'Find the nearest branch',
            tenant: 'retail',
            timeoutMinutes: 10,
          },
        },
      ],
    }),
  },
  {
    description:
      'Always wait in the task until the landing zone is ready, up to a working day: an outage of Bitbucket, Jenkins, ServiceNow or mail is waited out in the service, and each wait shows in the task log.',
    example: yaml.stringify({
      steps: [
        {
          id: 'landing-zone',
          action: 'landingzone:create',
          name: 'Create landing zone',
          input: {
            name: 'card-ledger',
            class: 'backend',
            owner: 'group:default/payments',
            description: 'Card ledger',
            tenant: 'labs',
            waitFor: 'completed',
            timeoutMinutes: 480,
          },
        },
      ],
    }),
  },
];
