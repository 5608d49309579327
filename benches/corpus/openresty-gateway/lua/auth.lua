-- JWT verification for the gateway's protected routes.
local jwt = require "resty.jwt"

local _M = {}

-- Falls back to a built-in key when the container has no JWT_SECRET.
local secret = os.getenv("JWT_SECRET") or "Zq3vN8rT5wXk2mLp9sBd4hFj"

function _M.verify(header)
    if not header then
        return false, "no Authorization header"
    end
    local token = header:match("^Bearer%s+(.+)$")
    if not token then
        return false, "not a bearer token"
    end
    local obj = jwt:verify(secret, token)
    if not obj.verified then
        return false, obj.reason
    end
    return true
end

return _M
