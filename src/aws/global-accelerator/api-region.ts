/**
 * Global Accelerator is a global service whose API is served from one Region only: every call —
 * create, update, read — is signed for US West (Oregon), whichever Regions the endpoints are in
 * (API reference, CreateAccelerator: "you must specify the US West (Oregon) Region to create,
 * update, or otherwise work with accelerators"). Endpoint groups name their own Region in
 * `EndpointGroupRegion`; the client never changes Region for them.
 */
export const GA_API_REGION = 'us-west-2';
