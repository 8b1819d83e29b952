-- complete(prefix, key, tag, instance, seq, fill, kind, outcome ttl, ...):
--   store: m, b, x, n, etag, maxBytes -> 1 if stored, 0 if not
--   refresh: etag, x -> {m, b, x} of the refreshed entry, or nil
--   share: m, b | fail: failure JSON | abandon
local key, tag, inst, seq, fill, kind, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], ARGV[8]
local function valid()
  if redis.call('GET', p .. 'inst') ~= inst then return false end
  if seq < tonumber(redis.call('GET', p .. 'all') or '0') then return false end
  if seq < tonumber(redis.call('HGET', p .. 'inv', tag) or '0') then return false end
  return true
end
local e = p .. 'e:' .. key
if kind == 'store' then
  local m, b, x, n, etag, maxBytes = ARGV[9], ARGV[10], ARGV[11], tonumber(ARGV[12]), ARGV[13], tonumber(ARGV[14])
  local stored = 0
  if valid() and n <= maxBytes then
    del_entry(key)
    redis.call('HSET', e, 'm', m, 'b', b, 'x', x, 'n', n, 't', tag, 'g', etag)
    redis.call('ZADD', p .. 'lru', redis.call('INCR', p .. 'tick'), key)
    redis.call('SADD', p .. 't:' .. tag, key)
    local total = redis.call('INCRBY', p .. 'bytes', n)
    while total > maxBytes do
      local oldest = redis.call('ZRANGE', p .. 'lru', 0, 0)
      if #oldest == 0 then break end
      del_entry(oldest[1])
      redis.call('INCR', p .. 'ev')
      total = tonumber(redis.call('GET', p .. 'bytes'))
    end
    stored = 1
  end
  settle(key, fill, 'shared', m, b, ttl)
  return stored
elseif kind == 'refresh' then
  local etag, x = ARGV[9], ARGV[10]
  if valid() and redis.call('HGET', e, 'g') == etag then
    redis.call('HSET', e, 'x', x)
    redis.call('ZADD', p .. 'lru', redis.call('INCR', p .. 'tick'), key)
    local v = redis.call('HMGET', e, 'm', 'b')
    settle(key, fill, 'shared', v[1], v[2], ttl)
    return { v[1], v[2], x }
  end
  settle(key, fill, 'retry', nil, nil, ttl)
  return nil
elseif kind == 'share' then
  settle(key, fill, 'shared', ARGV[9], ARGV[10], ttl)
elseif kind == 'fail' then
  settle(key, fill, 'failed', ARGV[9], nil, ttl)
else
  settle(key, fill, 'retry', nil, nil, ttl)
end
return nil
