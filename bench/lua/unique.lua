-- Every request a different URL (an extra "bench" argument), so no response cache can answer:
-- the cost of rendering the page cold, as right after a staff change.
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  counter = counter + 1
  local path = wrk.path
  local sep = string.find(path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, path .. sep .. "bench=" .. tostring(tid) .. "-" .. counter)
end
