// Global Accelerator ARNs: an accelerator's is the prefix of its listeners' and endpoint groups'
// (…:accelerator/ID/listener/ID/endpoint-group/ID), and only accelerators carry tags, so the
// accelerator's ARN, read off a child's, is what ownership is checked on.

const ACCELERATOR = /^arn:aws[a-z-]*:globalaccelerator::\d{12}:accelerator\/[0-9a-f-]+$/;
const CHILD = /^(arn:aws[a-z-]*:globalaccelerator::\d{12}:accelerator\/[0-9a-f-]+)\/listener\/[0-9a-f]+(\/endpoint-group\/[0-9a-f]+)?$/;

export function isAcceleratorArn(arn: string): boolean {
  return ACCELERATOR.test(arn);
}

/** The accelerator a listener or endpoint group belongs to (an accelerator ARN is its own). */
export function acceleratorArnOf(arn: string): string | undefined {
  if (ACCELERATOR.test(arn)) return arn;
  return CHILD.exec(arn)?.[1];
}

/** The 12-digit account in an accelerator (or child) ARN. */
export function accountOf(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:globalaccelerator::(\d{12}):/.exec(arn)?.[1];
}
