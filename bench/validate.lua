-- wrk script: POST with a bearer token, rotating through the tokens in $TOKENS (one per line), from a random
-- start per thread. $DELAY_MS > 0 paces each connection (for latency at a fixed, lower load).
local tokens = {}
local i = 0
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    tokens[#tokens + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  i = math.random(#tokens)
end

function request()
  i = i % #tokens + 1
  return wrk.format("POST", nil, { ["Authorization"] = "Bearer " .. tokens[i], ["Content-Length"] = "0" }, nil)
end

-- The pause is drawn at random around the mean (half to one and a half times it): with a constant pause the
-- connections stay in step and arrive as one burst per period, so the latency measured would be that of the
-- burst's queue, not of the mean load.
if delay_ms > 0 then
  function delay()
    return math.random(math.floor(delay_ms / 2), math.floor(delay_ms * 3 / 2))
  end
end
