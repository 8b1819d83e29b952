-- lookup(prefix, key, tag, now, mode, fill, leaseMs, instance candidate):
-- {'fresh', m, b, x} | {'wait', fill} | {'lease', instance, seq, fill[, m, b, x of the expired entry]}
local key, tag, now, mode, fill, leaseMs, candidate =
  ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local inst = redis.call('GET', p .. 'inst')
if not inst then
  redis.call('SET', p .. 'inst', candidate)
  inst = candidate
end
local seq = redis.call('GET', p .. 'seq') or '0'
if mode == 'bypass' then return { 'lease', inst, seq, '' } end
local e = p .. 'e:' .. key
local x = redis.call('HGET', e, 'x')
if x and tonumber(x) > now then
  redis.call('ZADD', p .. 'lru', redis.call('INCR', p .. 'tick'), key)
  local v = redis.call('HMGET', e, 'm', 'b')
  return { 'fresh', v[1], v[2], x }
end
local current = redis.call('HGET', p .. 'f:' .. key, 'id')
if current then return { 'wait', current } end
redis.call('HSET', p .. 'f:' .. key, 'id', fill, 'tag', tag)
redis.call('PEXPIRE', p .. 'f:' .. key, leaseMs)
redis.call('SADD', p .. 'fk', key)
if x then
  local v = redis.call('HMGET', e, 'm', 'b')
  return { 'lease', inst, seq, fill, v[1], v[2], x }
end
return { 'lease', inst, seq, fill }
