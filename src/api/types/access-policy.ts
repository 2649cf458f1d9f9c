// AccessPolicy (cluster-scoped, admin-owned): which namespaces may use which AWS resources.

/** A Kubernetes label selector (metav1.LabelSelector), matched against Namespace labels. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/**
 * Cluster-scoped, admin-owned: which namespaces may use which AWS resources. Every string list
 * takes `*` / `?` globs. A namespace may use a resource when any policy covering it lists it.
 */
export interface AccessPolicySpec {
  namespaces?: string[];
  namespaceSelector?: LabelSelector;
  /** Any role ARN in one of these accounts is allowed. */
  accounts?: string[];
  roleArns?: string[];
  hostedZones?: Array<{ id: string; recordSuffixes?: string[] }>;
  dbInstances?: Array<{ region: string; identifiers: string[] }>;
  transitGateways?: string[];
  vpcs?: string[];
  /** Attachments a ClientConnection may route to (its spec.attachment.id). */
  transitGatewayAttachments?: string[];
  snsTopicArns?: string[];
}
