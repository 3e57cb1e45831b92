-- Open311 POST of a new report (each with its own description), as a phone app would send it.
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  counter = counter + 1
  local body = "service_code=online_unreachable&attribute%5Bunit%5D=" .. os.getenv("BENCH_UNIT")
    .. "&attribute%5Bvisited_at%5D=" .. os.getenv("BENCH_TODAY") .. "T09%3A00%3A00%2B07%3A00"
    .. "&description=Uji+beban%3A+situs+layanan+daring+tidak+dapat+dibuka+sejak+pagi+nomor+"
    .. tostring(tid) .. "-" .. counter
  return wrk.format("POST", "/open311/v2/requests.json",
                    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
