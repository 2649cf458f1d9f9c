-- Argo CD actions for multiregion.dev RegionPair and ClientConnection (discovery.lua):
-- reconcile-now only; failover and drill belong to FailoverPolicy.
local actions = {}
actions["reconcile-now"] = { ["disabled"] = false, ["iconClass"] = "fa fa-fw fa-sync" }
return actions
