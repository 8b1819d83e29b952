-- invalidate(prefix, ttl, tag...): drops the tags' entries (`all`: every entry), voids the leases taken
-- before, and sends the waiters of their fills back to look up again.
local ttl = ARGV[2]
local function retry_fills(tag)
  for _, key in ipairs(redis.call('SMEMBERS', p .. 'fk')) do
    local v = redis.call('HMGET', p .. 'f:' .. key, 'id', 'tag')
    if not v[1] then
      redis.call('SREM', p .. 'fk', key)
    elseif tag == 'all' or v[2] == tag then
      settle(key, v[1], 'retry', nil, nil, ttl)
    end
  end
end
for i = 3, #ARGV do
  local tag = ARGV[i]
  if tag == 'all' then
    redis.call('SET', p .. 'all', redis.call('INCR', p .. 'seq'))
    redis.call('DEL', p .. 'inv')
    for _, key in ipairs(redis.call('ZRANGE', p .. 'lru', 0, -1)) do del_entry(key) end
  else
    redis.call('HSET', p .. 'inv', tag, redis.call('INCR', p .. 'seq'))
    for _, key in ipairs(redis.call('SMEMBERS', p .. 't:' .. tag)) do del_entry(key) end
  end
  retry_fills(tag)
end
-- Tags invalidated since this many leases are tracked one by one; beyond that every older lease is void.
if redis.call('HLEN', p .. 'inv') > 4096 then
  redis.call('SET', p .. 'all', redis.call('GET', p .. 'seq'))
  redis.call('DEL', p .. 'inv')
end
return 1
