-- Argo CD action "reconcile-now" for the multiregion.dev kinds: annotation
-- multiregion.dev/reconcile-now set to a new value (the time, UTC), which makes the controller
-- reconcile the object and check it against AWS at once.
local os = require("os")
if obj.metadata.annotations == nil then obj.metadata.annotations = {} end
obj.metadata.annotations["multiregion.dev/reconcile-now"] = os.date("!%Y-%m-%dT%H:%M:%SZ")
return obj
