-- Argo CD health for multiregion.dev ClientConnection (resource.customizations.health.multiregion.dev_ClientConnection).
-- The same rules as the other two kinds; Argo CD needs each script self-contained.
local hs = {}

local function condition(t)
  if obj.status == nil or obj.status.conditions == nil then return nil end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == t then return c end
  end
  return nil
end

-- Ready=False reasons that mean "still converging", not "broken".
local function converging(reason)
  if reason == nil then return false end
  if reason == "Creating" or reason == "Deleting" or reason == "Updating" then return true end
  return string.find(reason, "^Pending") ~= nil or string.find(reason, "^Waiting") ~= nil
end

local function said(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then return c.message end
  return fallback
end

local annotations = obj.metadata.annotations or {}
if annotations["multiregion.dev/paused"] == "true" then
  hs.status = "Suspended"
  hs.message = "Paused by annotation multiregion.dev/paused: no AWS calls are made"
  return hs
end
if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Deleting"
  return hs
end
local generation = obj.metadata.generation or 0
if obj.status == nil or obj.status.observedGeneration == nil or obj.status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end

local synced = condition("Synced")
if synced ~= nil and synced.status == "False" and synced.reason == "Paused" then
  hs.status = "Progressing"
  hs.message = "Resuming after pause"
  return hs
end
if synced ~= nil and synced.status == "False" then
  hs.status = "Degraded"
  hs.message = (synced.reason or "SyncFailed") .. ": " .. said(synced, "the last reconcile failed")
  return hs
end

local ready = condition("Ready")
if ready == nil or ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = said(ready, "Waiting for the Ready condition")
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
  if obj.status.dashboardName ~= nil then
    hs.message = "Dashboard " .. obj.status.dashboardName
  else
    hs.message = said(ready, "Ready")
  end
  return hs
end
if converging(ready.reason) then
  hs.status = "Progressing"
else
  hs.status = "Degraded"
end
hs.message = (ready.reason or "NotReady") .. ": " .. said(ready, "not ready")
return hs
