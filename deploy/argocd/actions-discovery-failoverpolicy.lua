-- Argo CD actions for multiregion.dev FailoverPolicy (discovery.lua of
-- resource.customizations.actions.multiregion.dev_FailoverPolicy): which of failover, drill and
-- reconcile-now the UI offers, and why one is greyed out. Lua 5.1 (Argo CD) and 5.4 alike.
local actions = {}
local spec = obj.spec or {}
local status = obj.status or {}
local failover = spec.failover or {}
local dns = spec.dns or {}
local db = spec.database or {}

-- The two regions, from the DNS or the database sides (a regionPairRef alone names none here).
local first = (dns.primary and dns.primary.region) or (db.primary and db.primary.region)
local second = (dns.secondary and dns.secondary.region) or (db.replica and db.replica.region)
local active = status.activeRegion or failover.activeRegion or first
local target = nil
if first ~= nil and second ~= nil then
  if active == first then target = second else target = first end
end

local busy = status.phase == "FailingOver" or status.phase == "FailingBack"
local manual = (failover.mode or "Manual") == "Manual"
actions["failover"] = { ["disabled"] = (not manual) or busy or target == nil, ["iconClass"] = "fa fa-fw fa-exchange-alt" }
if target ~= nil then actions["failover"]["displayName"] = "Fail over to " .. target end
actions["drill"] = { ["disabled"] = busy, ["iconClass"] = "fa fa-fw fa-vial" }
actions["reconcile-now"] = { ["disabled"] = false, ["iconClass"] = "fa fa-fw fa-sync" }
return actions
