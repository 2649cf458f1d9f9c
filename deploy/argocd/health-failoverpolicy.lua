-- Argo CD health for multiregion.dev FailoverPolicy (resource.customizations.health.multiregion.dev_FailoverPolicy).
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

-- A failover in flight outranks Ready: Argo CD should show it moving, not healthy.
local phase = obj.status.phase
if phase == "Degraded" then
  hs.status = "Degraded"
  hs.message = "Phase Degraded: " .. said(condition("FailoverReady"), "see status.health and events")
  return hs
end
if phase == "FailingOver" or phase == "FailingBack" then
  hs.status = "Progressing"
  hs.message = "Phase " .. phase .. (obj.status.activeRegion and (", active region " .. obj.status.activeRegion) or "")
  return hs
end

-- Global Accelerator (spec.globalAccelerator): the traffic dials go into every message below.
local ga = obj.status.globalAccelerator
local function dials()
  if ga == nil or ga.dials == nil then return "" end
  return "; GA dials P:" .. tostring(ga.dials.primary or "?") .. " S:" .. tostring(ga.dials.secondary or "?")
end

local ready = condition("Ready")
if ready == nil or ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = said(ready, "Waiting for the Ready condition") .. dials()
  return hs
end
if ready.status == "True" or converging(ready.reason) then
  -- A shift that went back needs the operator: traffic is not where the spec says.
  if ga ~= nil and ga.shift ~= nil and ga.shift.rolledBack == true then
    hs.status = "Degraded"
    hs.message = "Shift to " .. tostring(ga.shift.to) .. " rolled back: " .. tostring(ga.shift.message or "the receiving side turned unhealthy") .. dials()
    return hs
  end
  if ga ~= nil and ga.shift ~= nil then
    hs.status = "Progressing"
    hs.message = "Shifting traffic to " .. tostring(ga.shift.to) .. ", step " .. tostring((ga.shift.step or 0) + 1) .. dials()
    return hs
  end
  -- A change to the accelerator takes minutes to reach every edge location.
  if ga ~= nil and ga.status == "IN_PROGRESS" then
    hs.status = "Progressing"
    hs.message = "Global Accelerator IN_PROGRESS: a change is deploying" .. dials()
    return hs
  end
end
if ready.status == "True" then
  hs.status = "Healthy"
  local msg = "Active region " .. tostring(obj.status.activeRegion or "unknown")
  local fr = condition("FailoverReady")
  if fr ~= nil and fr.status ~= "True" then
    msg = msg .. "; standby not ready: " .. said(fr, fr.reason or "unknown")
  end
  hs.message = msg .. dials()
  return hs
end
if converging(ready.reason) then
  hs.status = "Progressing"
else
  hs.status = "Degraded"
end
hs.message = (ready.reason or "NotReady") .. ": " .. said(ready, "not ready") .. dials()
return hs
