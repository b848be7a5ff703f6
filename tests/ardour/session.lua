-- Drives one step of the Ardour session test (tests/ardour/test_ardour_session.py) inside
-- Ardour's headless Lua session tool on the "None (Dummy)" backend:
--
--   luasession session.lua <step> <session dir> <name> <export dir> <frames> [points...]
--
-- Steps (each runs in its own luasession process, like a user's separate sessions):
--   create   new 48 kHz session: one stereo track "In", Cans (VST3) on the master bus
--            after the fader; prints every parameter as Ardour sees it; saves.
--   first    load; exports with Bounce-Safe on (first render after load), off (voiced:
--            A Closed-back + Chu Moy crossfeed), on again; then A Model and A/B automation
--            (lanes as Ardour makes them), export; save.
--   reopen   load the saved session; export (must equal the automated export of `first`),
--            then Bounce-Safe on, export (must equal the input).
--
-- Every fact the analysis needs is printed as a line starting with "@" (parsed by the
-- Python side); the exports are WAV float files in <export dir>.

local step, dir, name, out_dir = arg[1], arg[2], arg[3], arg[4]
local frames = tonumber(arg[5])
local PRESET = "e92b4b30-219f-4d9a-a7ba-46834a7952dd" -- tests/ardour/export/Cans float.preset

local function fact(...)
	print("@" .. table.concat({ ... }, "\t"))
end

local function fail(msg)
	print("@FAIL\t" .. msg)
	os.exit(1)
end

-- The Cans insert on the master bus and its parameters: name -> { n = control index (for
-- LuaAPI), j = plug-in parameter index, pd = descriptor }.
local function find_cans()
	local master = Session:master_out()
	local i = 0
	while true do
		local proc = master:nth_plugin(i)
		if proc:isnil() then
			fail("no Cans plug-in on the master bus")
		end
		local insert = proc:to_insert()
		if not insert:isnil() and insert:plugin(0):name() == "Cans" then
			local plug = insert:plugin(0)
			local params = {}
			local n = 0
			for j = 0, plug:parameter_count() - 1 do
				if plug:parameter_is_control(j) then
					if plug:parameter_is_input(j) then
						local _, t = plug:get_parameter_descriptor(j, ARDOUR.ParameterDescriptor())
						params[plug:parameter_label(j)] = { n = n, j = j, pd = t[2] }
					end
					n = n + 1
				end
			end
			return proc, plug, params
		end
		i = i + 1
	end
end

local function control(proc, p)
	return proc:to_automatable():automation_control(
		Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, p.j), false)
end

-- The plain value of a choice: Ardour's scale point if it has them, else the choice's
-- index (a VST3 list's plain value; README "Parameters" gives the order).
local MODELS = { "Neutral", "Open-back", "Closed-back" }
local CHOICES = {
	["A Model"] = MODELS,
	["B Model"] = MODELS,
	["A Crossfeed"] = { "Off", "Default 700 Hz/4.5 dB", "Chu Moy 700 Hz/6 dB" },
	["A/B"] = { "A", "B" },
}

local function value_of(label, p, choice)
	if type(choice) == "number" then
		return choice
	end
	local points = ARDOUR.LuaAPI.desc_scale_points(p.pd)
	if points[choice] ~= nil then
		return points[choice]
	end
	for i, name in ipairs(CHOICES[label] or {}) do
		if name == choice then
			return i - 1
		end
	end
	fail("no choice '" .. choice .. "' for " .. label)
end

local function set(proc, params, label, choice)
	local p = params[label] or fail("no parameter " .. label)
	local v = value_of(label, p, choice)
	if not ARDOUR.LuaAPI.set_processor_param(proc, p.n, v) then
		fail("set_processor_param " .. label)
	end
end

local function export(label)
	Session:request_locate(0, false, ARDOUR.LocateTransportDisposition.MustStop,
		ARDOUR.TransportRequestSource.TRS_UI)
	local e = Session:simple_export()
	-- One folder per export (the file name Ardour derives is not the label).
	e:set_folder(out_dir .. "/" .. label)
	e:set_name(label)
	e:set_range(0, frames)
	if not e:set_preset(PRESET) then
		fail("export preset " .. PRESET .. " not found (ARDOUR_EXPORT_FORMATS_PATH)")
	end
	if not e:run_export() then
		fail("export " .. label)
	end
	e = nil
	fact("export", label)
end

local function print_params(proc, params)
	for label, p in pairs(params) do
		local pd = p.pd
		local ac = control(proc, p)
		local choices = {}
		if pd.enumeration then
			for k, v in pairs(ARDOUR.LuaAPI.desc_scale_points(pd)) do
				table.insert(choices, string.format("%s=%g", k, v))
			end
			table.sort(choices)
		end
		local interp = "-"
		local al = ac:alist()
		if not al:isnil() then
			local style = al:interpolation()
			for k, v in pairs(Evoral.InterpolationStyle) do
				if v == style then
					interp = k
				end
			end
		end
		fact("param", label, p.n, string.format("%g", pd.lower), string.format("%g", pd.upper),
			tostring(pd.toggled), tostring(pd.integer_step), tostring(pd.enumeration),
			string.format("%g", ac:get_value()), interp, table.concat(choices, "|"))
	end
end

-- A discrete automation lane. The interpolation Ardour chose for the parameter is
-- printed first: Ardour 7.3 makes toggles' lanes discrete but, as its VST3 host gives list
-- parameters no scale points, other stepped parameters' lanes linear (see README), so the
-- lane is set to Discrete as a user would.
local function automate(proc, params, label, points)
	local p = params[label] or fail("no parameter " .. label)
	local al, cl, pd = ARDOUR.LuaAPI.plugin_automation(proc, p.n)
	if al:isnil() then
		fail("no automation list for " .. label)
	end
	local style = cl:interpolation()
	local discrete = style == Evoral.InterpolationStyle.Discrete
	local ok, domain = pcall(function() return cl:time_domain() == Temporal.TimeDomain.BeatTime end)
	fact("lane", label, tostring(discrete), ok and tostring(domain) or "?")
	if not discrete then
		cl:set_interpolation(Evoral.InterpolationStyle.Discrete)
	end
	cl:clear_list()
	for _, pt in ipairs(points) do
		cl:add(Temporal.timepos_t(pt[1]), value_of(label, p, pt[2]), false, false)
	end
	control(proc, p):set_automation_state(ARDOUR.AutoState.Play)
	al = nil
	cl = nil
end

local function close()
	collectgarbage()
	Session:save_state("", false, false, false, false, false)
	close_session()
	fact("closed")
end

if step == "create" then
	if not create_session(dir, name, 48000) then
		fail("create_session")
	end
	local tracks = Session:new_audio_track(2, 2, nil, 1, "In", ARDOUR.PresentationInfo.max_order,
		ARDOUR.TrackMode.Normal, true)
	if tracks:size() ~= 1 then
		fail("new_audio_track")
	end
	tracks = nil
	local plugin = ARDOUR.LuaAPI.new_plugin(Session, "Cans", ARDOUR.PluginType.VST3, "")
	if plugin:isnil() then
		fail("Cans (VST3) not found: was the bundle scanned?")
	end
	Session:master_out():add_processor_by_index(plugin, -1, nil, true)
	plugin = nil
	local proc, _, params = find_cans()
	print_params(proc, params)
	proc = nil
	params = nil
	fact("rate", Session:nominal_sample_rate(), Session:get_block_size())
	close()
elseif step == "first" then
	if not load_session(dir, name) then
		fail("load_session")
	end
	local proc, _, params = find_cans()
	-- A voicing that makes a bypass failure obvious; Bounce-Safe stays at its default (on).
	set(proc, params, "A Model", "Closed-back")
	set(proc, params, "A Crossfeed", "Chu Moy 700 Hz/6 dB")
	export("safe-first")
	set(proc, params, "Bounce-Safe", 0)
	export("voiced")
	set(proc, params, "Bounce-Safe", 1)
	export("safe-again")
	-- Automation: slot A neutral and slot B Open-back, both without crossfeed, so every
	-- change is between the identity and a voicing.
	set(proc, params, "A Model", "Neutral")
	set(proc, params, "A Crossfeed", "Off")
	set(proc, params, "B Model", "Open-back")
	set(proc, params, "Bounce-Safe", 0)
	local p1, p2, p3, p4 = tonumber(arg[6]), tonumber(arg[7]), tonumber(arg[8]), tonumber(arg[9])
	automate(proc, params, "A Model", { { 0, "Neutral" }, { p1, "Closed-back" }, { p2, "Neutral" } })
	automate(proc, params, "A/B", { { 0, "A" }, { p3, "B" }, { p4, "A" } })
	export("automated")
	print_params(proc, params)
	proc = nil
	params = nil
	close()
elseif step == "reopen" then
	if not load_session(dir, name) then
		fail("load_session")
	end
	local proc, _, params = find_cans()
	export("reopened")
	set(proc, params, "Bounce-Safe", 1)
	export("reopened-safe")
	-- Leave the saved session as it was (Bounce-Safe off) for the next reopen.
	set(proc, params, "Bounce-Safe", 0)
	proc = nil
	params = nil
	collectgarbage()
	close_session()
	fact("closed")
else
	fail("unknown step " .. tostring(step))
end
