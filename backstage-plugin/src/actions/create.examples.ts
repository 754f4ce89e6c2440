import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Request a Java landing zone and register it in the catalog once it is ready.',
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
            requester: '${{ user.entity }}',
            parameters: { javaVersion: 21 },
          },
        },
        {
          id: 'register',
          action: 'catalog:register',
          name: 'Register in the catalog',
          input: {
            repoContentsUrl: "${{ steps['landing-zone'].output.repoContentsUrl }}",
            catalogInfoPath: '/catalog-info.yaml',
          },
        },
      ],
    }),
  },
  {
    description:
      'Request a landing zone that needs approval and end the task as soon as the ServiceNow request is open.',
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
            requester: '${{ user.entity }}',
            waitFor: 'approval-requested',
            timeoutMinutes: 10,
          },
        },
      ],
    }),
  },
  {
    description:
      'Wait up to a working day: an outage of Bitbucket, Jenkins, ServiceNow or mail is waited out in the service, and each wait shows in the task log.',
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
            requester: '${{ user.entity }}',
            timeoutMinutes: 480,
          },
        },
      ],
    }),
  },
];
