-- wrk script for bench/load.sh: every request carries the next of many different tokens,
-- read from the file named after `--`, one per line (as many clients would send; bench/load.sh
-- also passes it one token written 1,000 times, as a control).
-- The requests are formatted once per thread, so the script costs wrk the same on every
-- route it drives.
local requests = {}
local n, i = 0, 0
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("id", threads)
end

function init(args)
    for line in io.lines(args[1]) do
        if #line > 0 then
            n = n + 1
            requests[n] = wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. line })
        end
    end
    assert(n > 0, "no tokens in " .. args[1])
    -- Threads start at different places in the list (`id` is set by `setup`).
    i = ((id or 1) - 1) * math.floor(n / 2)
end

function request()
    i = i % n + 1
    return requests[i]
end
