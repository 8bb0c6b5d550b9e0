-- wrk script for bench/refresh_flood.sh: each thread (one connection each) holds one login of
-- the flooding account and refreshes it in a loop, always with the refresh token the last
-- answer gave, as a client looping POST /auth/refresh would. The tokens file (after `--`)
-- holds one refresh token per thread.
local threads = 0
local token
local refused = 0

function setup(thread)
    threads = threads + 1
    thread:set("id", threads)
end

function init(args)
    local i = 0
    for line in io.lines(args[1]) do
        i = i + 1
        if i == id then
            token = line
        end
    end
    assert(token, "no refresh token for thread " .. tostring(id))
end

function request()
    return wrk.format("POST", "/auth/refresh", { ["content-type"] = "application/json" },
        '{"refresh_token":"' .. token .. '"}')
end

function response(status, headers, body)
    if status == 200 then
        token = body:match('"refresh_token":"([^"]+)"') or token
    else
        refused = refused + 1
    end
end
