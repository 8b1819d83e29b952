-- lookup(prefix, key, tag, now, mode, fill, leaseMs, instance candidate):
-- {'fresh', m, b, x} | {'wait', fill} | {'lease', instance, seq, fill[, m, b, x of the expired entry]}
local key, tag, now, mode, fill, leaseMs, candidate =
  ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local e = p .. 'e:' .. key
local v = { false, false, false }
if mode ~= 'bypass' then
  -- A hit reads the entry once and marks it used; nothing else.
  v = redis.call('HMGET', e, 'x', 'm', 'b')
  if v[1] and tonumber(v[1]) > now then
    redis.call('ZADD', p .. 'lru', redis.call('INCR', p .. 'tick'), key)
    return { 'fresh', v[2], v[3], v[1] }
  end
end
local inst = redis.call('GET', p .. 'inst')
if not inst then
  redis.call('SET', p .. 'inst', candidate)
  inst = candidate
end
local seq = redis.call('GET', p .. 'seq') or '0'
if mode == 'bypass' then return { 'lease', inst, seq, '' } end
local current = redis.call('HGET', p .. 'f:' .. key, 'id')
if current then return { 'wait', current } end
redis.call('HSET', p .. 'f:' .. key, 'id', fill, 'tag', tag)
redis.call('PEXPIRE', p .. 'f:' .. key, leaseMs)
redis.call('SADD', p .. 'fk', key)
if v[1] then return { 'lease', inst, seq, fill, v[2], v[3], v[1] } end
return { 'lease', inst, seq, fill }
