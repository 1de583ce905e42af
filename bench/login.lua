-- wrk script of bench/login.sh: GET /v1/users/authenticate with HTTP Basic
-- credentials, cycling through the ones given after "--" (base64 of
-- "email:password"), and counting the answers by status.
--   wrk -t2 -c32 -d10s -s bench/login.lua http://127.0.0.1:28080 -- <b64> <b64> ...

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	creds = {}
	for _, c in ipairs(args) do
		creds[#creds + 1] = c
	end
	if #creds == 0 then
		error("login.lua: give base64 credentials after --")
	end
	nxt = math.random(#creds)
	ok, limited, other = 0, 0, 0
end

function request()
	nxt = nxt % #creds + 1
	return wrk.format("GET", "/v1/users/authenticate", { Authorization = "Basic " .. creds[nxt] })
end

function response(status, headers, body)
	if status == 200 then
		ok = ok + 1
	elseif status == 429 then
		limited = limited + 1
	else
		other = other + 1
	end
end

function done(summary, latency, requests)
	local o, l, x = 0, 0, 0
	for _, t in ipairs(threads) do
		o = o + t:get("ok")
		l = l + t:get("limited")
		x = x + t:get("other")
	end
	io.write(string.format("logins: %d %d %d (answers 200, 429, other)\n", o, l, x))
end
