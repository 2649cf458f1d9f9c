// FailoverPolicy's Global Accelerator (issue 18): static anycast IPs in front of both regions, one
// endpoint group per side, traffic dials following the active region. Hooked into
// failover-policy.ts by one line in spec() and one in status().
import { arr, bool, int, obj, type Schema, str } from './common.ts';

/** Accelerator ARNs as AWS writes them (the account, then a UUID). */
export const GA_ACCELERATOR_ARN_PATTERN = String.raw`^arn:aws[a-z-]*:globalaccelerator::\d{12}:accelerator/[0-9a-f-]{1,64}$`;
/** GA's own rule for names: letters, digits and hyphens, no hyphen first or last, 64 at most. */
const GA_NAME_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?$';
const port = (d: string): Schema => int(d, { minimum: 1, maximum: 65535 });

const create = (): Schema =>
  obj(
    'Settings of an accelerator the controller creates (and deletes with this policy ' +
      'when deletionPolicy is Delete). It carries the multiregion.dev/* ownership tags.',
    {
      name: str('Name of the accelerator (letters, digits, hyphens; 64 at most). Changing it renames the accelerator in place.', {
        pattern: GA_NAME_PATTERN,
        maxLength: 64,
      }),
      ipAddressType: str('IPV4: two static IPv4 addresses. DUAL_STACK: two IPv4 and two IPv6 addresses (needs dual-stack endpoints). Default IPV4.', {
        enum: ['IPV4', 'DUAL_STACK'],
      }),
      enabled: bool('false stops the accelerator from accepting traffic while keeping its static IPs. Default true.'),
      flowLogs: obj(
        'Flow logs of the accelerator, written to S3 (the bucket policy must let Global Accelerator write there). Absent: flow logs off.',
        {
          s3Bucket: str('Name of the S3 bucket.', { minLength: 3, maxLength: 63, pattern: '^[a-z0-9][a-z0-9.-]*[a-z0-9]$' }),
          s3Prefix: str('Key prefix of the log objects, e.g. flow-logs/. Default: none.', { maxLength: 255 }),
        },
        { required: ['s3Bucket'] },
      ),
    },
    { required: ['name'] },
  );

const listener = (): Schema =>
  obj(
    'The listener clients connect to on the static IPs. An existing listener of the same protocol on the same ports is used rather than made again.',
    {
      protocol: str('TCP or UDP.', { enum: ['TCP', 'UDP'] }),
      portRanges: arr(
        'Ports (ranges) the listener accepts; ranges must not overlap.',
        obj(
          'One range of ports, both ends included.',
          { from: port('First port.'), to: port('Last port (not below from).') },
          {
            required: ['from', 'to'],
            'x-kubernetes-validations': [{ rule: 'self.from <= self.to', message: 'a port range needs from <= to', fieldPath: '.to' }],
          },
        ),
        { minItems: 1, maxItems: 10, 'x-kubernetes-list-type': 'atomic' },
      ),
      clientAffinity: str(
        'NONE (default): each connection may go to any endpoint. SOURCE_IP: connections from one client IP go to the same endpoint (stateful applications).',
        { enum: ['NONE', 'SOURCE_IP'] },
      ),
    },
    { required: ['protocol', 'portRanges'] },
  );

/** An endpoint's id, as the endpoint group's API takes it. */
const ENDPOINT_ID = 'Network or Application Load Balancer ARN, Elastic IP allocation id (eipalloc-…) or EC2 instance id (i-…), in the region of this side.';

const group = (side: string): Schema =>
  obj(
    `The endpoint group of the ${side} side, in that side's region. Its traffic dial is the controller's: 100 while the side is active, 0 while it stands by ` +
      '(a dial changed outside the controller is put back at the next drift check and listed in status.drift).',
    {
      endpoints: arr(
        'Endpoints that take the traffic of this side.',
        obj(
          'One endpoint.',
          {
            id: str(ENDPOINT_ID, { minLength: 1, maxLength: 255 }),
            weight: int("Share of the group's traffic relative to the other endpoints, 0-255 (0: none). Default 128, as in the API.", {
              minimum: 0,
              maximum: 255,
            }),
            clientIpPreservation: bool(
              "Pass the client's IP address to the endpoint. Default: AWS's for the " +
                'endpoint type (on for ALBs and instances); an existing endpoint keeps its own.',
            ),
          },
          { required: ['id'] },
        ),
        { minItems: 1, maxItems: 10, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'] },
      ),
      healthCheck: obj(
        "How Global Accelerator checks this side's endpoints (for ALB/NLB endpoints " +
          "it uses the load balancer's own checks). Fields left out keep AWS's defaults.",
        {
          protocol: str('TCP, HTTP or HTTPS.', { enum: ['TCP', 'HTTP', 'HTTPS'] }),
          port: port("Port to check. Default: the listener's first port."),
          path: str('Path for HTTP/HTTPS checks, starting with /. Use a deep health endpoint.', { maxLength: 255, pattern: '^/' }),
          intervalSeconds: int('Seconds between checks: 10 or 30 (default).', { enum: [10, 30] }),
          thresholdCount: int('Consecutive checks that change an endpoint between healthy and unhealthy, 1-10 (default 3).', { minimum: 1, maximum: 10 }),
        },
        {
          'x-kubernetes-validations': [
            {
              rule: "!has(self.path) || (has(self.protocol) && self.protocol in ['HTTP', 'HTTPS'])",
              message: 'path applies only to HTTP and HTTPS health checks',
              fieldPath: '.path',
            },
          ],
        },
      ),
      portOverrides: arr(
        'Send traffic arriving on a listener port to another port on the endpoints (e.g. 443 → 8443).',
        obj(
          'One override.',
          { listenerPort: port('Port of the listener.'), endpointPort: port('Port on the endpoints.') },
          { required: ['listenerPort', 'endpointPort'] },
        ),
        { maxItems: 10, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['listenerPort'] },
      ),
    },
    { required: ['endpoints'] },
  );

const shift = (): Schema =>
  obj(
    'Gradual shift for planned switches (a Manual switch, a failback): the receiving ' +
      "side's dial goes through these steps, the leaving side's is 100 minus it. " +
      'The next step is taken only while the receiving group stays healthy; when it ' +
      'turns unhealthy the shift goes back (status.globalAccelerator.shift says so). ' +
      'An emergency failover always moves the dials at once.',
    {
      steps: arr(
        'Dial percentages of the receiving side, increasing, ending at 100, e.g. [10, 50, 100].',
        int('One step in percent.', { minimum: 1, maximum: 100 }),
        {
          minItems: 1,
          maxItems: 10,
          'x-kubernetes-list-type': 'atomic',
          'x-kubernetes-validations': [
            { rule: 'self[self.size() - 1] == 100', message: 'the last shift step must be 100' },
            { rule: 'self.isSorted() && self.all(x, self.exists_one(y, y == x))', message: 'shift steps must be strictly increasing' },
          ],
        },
      ),
      stepSeconds: int('Seconds each step is held before the next. Default 60.', { minimum: 1, maximum: 3600 }),
    },
    { required: ['steps'] },
  );

/** spec.globalAccelerator */
export const globalAcceleratorSpec = (): Schema =>
  obj(
    'Optional AWS Global Accelerator in front of both regions: two static anycast IPs whose traffic dials follow the active region ' +
      '(100 for the active side, 0 for the standby), moved by the same switch as the DNS records and the database. ' +
      'Clients keep the same IPs across a failover and do not wait for DNS TTLs. Set acceleratorArn (adopt) or create, not both.',
    {
      acceleratorArn: str(
        'Adopt this existing accelerator: its listener and endpoint groups are configured ' +
          'as this spec says, but the accelerator itself is never changed or deleted, ' +
          'and its dials are left as they are when this policy is deleted.',
        { pattern: GA_ACCELERATOR_ARN_PATTERN, maxLength: 160 },
      ),
      create: create(),
      listener: listener(),
      primary: group('primary'),
      secondary: group('secondary'),
      shift: shift(),
    },
    {
      required: ['listener', 'primary', 'secondary'],
      'x-kubernetes-validations': [
        { rule: 'has(self.acceleratorArn) != has(self.create)', message: 'set exactly one of acceleratorArn (adopt) and create' },
        {
          rule: 'has(self.acceleratorArn) == has(oldSelf.acceleratorArn)',
          message: 'an accelerator cannot be switched between adopted and created in place: remove spec.globalAccelerator first',
        },
      ],
    },
  );

const gaHealth = (d: string): Schema => str(d, { enum: ['Healthy', 'Unhealthy', 'Unknown'] });

/** status.globalAccelerator and status.drift */
export const globalAcceleratorStatus = (): Record<string, Schema> => ({
  globalAccelerator: obj('The accelerator as AWS last reported it.', {
    arn: str('Accelerator ARN.'),
    adopted: bool('Named by spec.globalAccelerator.acceleratorArn: configured, never deleted, its dials left as they are when this policy goes.'),
    listenerArn: str('The listener this policy configures (an adopted accelerator may have others).'),
    dnsName: str('DNS name pointing at the static IPv4 addresses.'),
    dualStackDnsName: str('DNS name pointing at all static addresses (DUAL_STACK).'),
    ipAddresses: arr('The static IP addresses.', str('An IP address.'), { 'x-kubernetes-list-type': 'atomic' }),
    status: str('IN_PROGRESS while a change deploys, then DEPLOYED.'),
    dials: obj("Traffic dial of each side's endpoint group, in percent.", {
      primary: int('Dial of the primary group.'),
      secondary: int('Dial of the secondary group.'),
    }),
    health: obj("Health of each side's endpoint group: Healthy when every endpoint is HEALTHY.", {
      primary: gaHealth('Primary group.'),
      secondary: gaHealth('Secondary group.'),
    }),
    shift: obj(
      'The gradual shift running now (or the last one rolled back).',
      {
        from: str('Region traffic leaves.'),
        to: str('Region traffic moves to.'),
        step: int('Index in spec.globalAccelerator.shift.steps reached.'),
        stepAt: str('When that step was applied.', { format: 'date-time' }),
        startedAt: str('When the shift began.', { format: 'date-time' }),
        rolledBack: bool('The receiving side turned unhealthy and the dials went back.'),
        message: str('What happened.'),
      },
      { required: ['from', 'to', 'step', 'stepAt', 'startedAt'] },
    ),
    teardown: str(
      'While the policy is deleted: the deletion step reached (Disabling, WaitingForDeployed, DeletingEndpointGroups, DeletingListeners, DeletingAccelerator).',
    ),
  }),
  drift: arr('What was changed outside the controller and put back at the last drift check.', str('One change.'), { 'x-kubernetes-list-type': 'atomic' }),
});
