-- Shared by every script of the Redis cache backend (redis-backend.ts prepends it). ARGV[1] is the key
-- prefix. Keys: e:<key> an entry (hash: m metadata JSON, b body, x fresh-until ms, n bytes, t tag,
-- g etag); lru (zset: key by last use); t:<tag> (set: the tag's keys); bytes, ev (total bytes,
-- evictions); f:<key> a fill in progress (hash: id, tag; expires after the lease time); fk (set: keys
-- with a fill); o:<fill> a fill's outcome for its waiters (hash: k kind, m, b; expires soon); seq (the
-- invalidation counter), inv (hash: tag -> seq of its last invalidation), all (seq of the last `all`),
-- inst (this Redis's random instance id: a Redis that restarted empty has a new one); the channel
-- <prefix>fills announces settled fills.
local p = ARGV[1]

local function del_entry(key)
  local e = p .. 'e:' .. key
  local v = redis.call('HMGET', e, 'n', 't')
  if not v[1] then return end
  redis.call('DEL', e)
  redis.call('ZREM', p .. 'lru', key)
  redis.call('SREM', p .. 't:' .. v[2], key)
  redis.call('DECRBY', p .. 'bytes', v[1])
end

-- Ends fill `fill` of `key` if it is still the current one, leaving its outcome for the waiters.
local function settle(key, fill, kind, m, b, ttl)
  local f = p .. 'f:' .. key
  if redis.call('HGET', f, 'id') ~= fill then return end
  redis.call('DEL', f)
  redis.call('SREM', p .. 'fk', key)
  local o = p .. 'o:' .. fill
  if kind == 'shared' then
    redis.call('HSET', o, 'k', kind, 'm', m, 'b', b)
  elseif kind == 'failed' then
    redis.call('HSET', o, 'k', kind, 'm', m)
  else
    redis.call('HSET', o, 'k', kind)
  end
  redis.call('PEXPIRE', o, ttl)
  redis.call('PUBLISH', p .. 'fills', fill)
end
