-- outcome(prefix, key, fill): {kind, m, b} once the fill is settled; {'retry'} if it is gone without
-- an outcome (its filler died and the lease expired); {'pending'} while it runs.
local key, fill = ARGV[2], ARGV[3]
local o = p .. 'o:' .. fill
local k = redis.call('HGET', o, 'k')
if k then
  local v = redis.call('HMGET', o, 'm', 'b')
  return { k, v[1], v[2] }
end
if redis.call('HGET', p .. 'f:' .. key, 'id') ~= fill then return { 'retry' } end
return { 'pending' }
