-- Argo CD action "drill" for multiregion.dev FailoverPolicy: what `multiregion drill` writes,
-- annotation multiregion.dev/drill-now set to a new value (the time, UTC). The drill runs on a
-- shadow record (or as the policy's drill.type says); follow it in status.lastDrill.
local os = require("os")
if obj.metadata.annotations == nil then obj.metadata.annotations = {} end
obj.metadata.annotations["multiregion.dev/drill-now"] = os.date("!%Y-%m-%dT%H:%M:%SZ")
return obj
