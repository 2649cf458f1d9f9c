-- Argo CD action "failover" for multiregion.dev FailoverPolicy: what `multiregion failover NAME
-- --to OTHER` writes, spec.failover.activeRegion set to the region that is not active now, with
-- the same refusals. Argo CD patches the object as field manager argocd-server: list it in
-- ignoreDifferences.managedFieldsManagers next to multiregion-cli (docs/gitops.md), or the next
-- sync from git undoes the switch.
local spec = obj.spec or {}
local status = obj.status or {}
local failover = spec.failover or {}
local dns = spec.dns or {}
local db = spec.database or {}

if (failover.mode or "Manual") ~= "Manual" then
  error("spec.failover.mode is Automatic: the controller picks the active region; set mode: Manual first", 0)
end
if status.phase == "FailingOver" or status.phase == "FailingBack" then
  error("a failover is in progress (phase " .. status.phase .. "): wait for it to finish", 0)
end
local first = (dns.primary and dns.primary.region) or (db.primary and db.primary.region)
local second = (dns.secondary and dns.secondary.region) or (db.replica and db.replica.region)
if first == nil or second == nil then
  error("the regions come from the RegionPair: use multiregion failover NAME --to REGION", 0)
end
local active = status.activeRegion or failover.activeRegion or first
local target = first
if active == first then target = second end

if obj.spec == nil then obj.spec = {} end
if obj.spec.failover == nil then obj.spec.failover = {} end
obj.spec.failover.activeRegion = target
return obj
