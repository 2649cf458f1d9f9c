// The policy template's Global Accelerator statements (FailoverPolicy spec.globalAccelerator).
// See iam-policy-template.ts for how each is guarded.
import { TAG_KEYS } from '../../aws/tags.ts';
import type { MaybeStatement, TemplateContext } from './iam-policy-types.ts';

/** What the controller changes in an accelerator it manages (global-accelerator/*.ts). */
const GA_CHANGES = [
  'globalaccelerator:CreateEndpointGroup',
  'globalaccelerator:CreateListener',
  'globalaccelerator:DeleteAccelerator',
  'globalaccelerator:DeleteEndpointGroup',
  'globalaccelerator:DeleteListener',
  'globalaccelerator:UpdateAccelerator',
  'globalaccelerator:UpdateAcceleratorAttributes',
  'globalaccelerator:UpdateEndpointGroup',
  'globalaccelerator:UpdateListener',
];

export function globalAcceleratorStatements({ input, ours }: TemplateContext): MaybeStatement[] {
  const { clusterId, partition } = input;
  const ga = input.globalAccelerator || input.accelerators.length > 0;
  /** An accelerator's ARN (id `*` or a named one), its listeners' and their endpoint groups'. */
  const gaArns = (ids: string[]): string[] =>
    input.accounts.flatMap((a) =>
      ids.flatMap((id) => {
        const acc = `arn:${partition}:globalaccelerator::${a}:accelerator/${id}`;
        return [acc, `${acc}/listener/*`, `${acc}/listener/*/endpoint-group/*`];
      }),
    );
  return [
    // --- Global Accelerator (FailoverPolicy spec.globalAccelerator). Its API lives in us-west-2 and its
    // ARNs carry no region. Only accelerators take tags; listeners and endpoint groups are authorized
    // against their accelerator's tags (the Service Authorization Reference lists
    // aws:ResourceTag for them), and the code also checks the accelerator's tags before any change.
    ga && {
      Sid: 'GlobalAcceleratorRead',
      Effect: 'Allow',
      Action: [
        'globalaccelerator:DescribeAccelerator',
        'globalaccelerator:DescribeAcceleratorAttributes',
        'globalaccelerator:ListAccelerators',
        'globalaccelerator:ListEndpointGroups',
        'globalaccelerator:ListListeners',
        'globalaccelerator:ListTagsForResource',
      ],
      Resource: '*',
    },
    ga && {
      // Created with our tags only (CreateAccelerator's Tags are authorized as TagResource too).
      Sid: 'CreateAcceleratorsTagged',
      Effect: 'Allow',
      Action: ['globalaccelerator:CreateAccelerator', 'globalaccelerator:TagResource'],
      Resource: '*',
      Condition: { StringEquals: { [`aws:RequestTag/${TAG_KEYS.cluster}`]: clusterId } },
    },
    ga && {
      Sid: 'OwnAccelerators',
      Effect: 'Allow',
      Action: GA_CHANGES,
      Resource: gaArns(['*']),
      Condition: ours,
    },
    input.accelerators.length > 0 && {
      // Adopted by ARN: its listener, groups and dials, never the accelerator's deletion.
      Sid: 'NamedAccelerators',
      Effect: 'Allow',
      Action: GA_CHANGES.filter((a) => a !== 'globalaccelerator:DeleteAccelerator'),
      Resource: gaArns(input.accelerators.map((a) => a.replace(/^.*:accelerator\//, ''))),
    },
    ga && {
      // The first accelerator of an account creates GA's service-linked role.
      Sid: 'GlobalAcceleratorServiceLinkedRole',
      Effect: 'Allow',
      Action: ['iam:CreateServiceLinkedRole'],
      Resource: input.accounts.map((a) => `arn:${partition}:iam::${a}:role/aws-service-role/globalaccelerator.amazonaws.com/*`),
      Condition: { StringEquals: { 'iam:AWSServiceName': 'globalaccelerator.amazonaws.com' } },
    },
  ];
}
