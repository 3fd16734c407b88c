-- cvbuild-sandbox.lua: run by LuaLaTeX before the format loads (`lualatex --lua=...`, see
-- cvbuild/compile.py), so that every later piece of Lua, luaotfload's and a document's alike,
-- sees only the functions below.
--
-- Why: `openin_any`/`openout_any` limit TeX's \input and \openout, not Lua. Any text that
-- reached \directlua could otherwise read or write every file the user can (io.open), delete
-- files (os.remove) or load native code. LuaTeX's own `--safer` does this job, but luaotfload
-- refuses to run under it. So, as its equivalent:
--   * no processes, native code, sockets, environment changes or directory changes;
--   * files are written only inside the build directory (the working directory) and in
--     luaotfload's font cache (<TEXMFCACHE>/luatex-cache);
--   * files are read only inside the build directory, the TeX and font trees, /usr and the
--     font cache; everything else (home folders, /etc, /tmp, /proc) is refused;
--   * binary Lua chunks load only from the font cache (luaotfload's compiled fonts) or from
--     string.dump in the same run, and the debug library cannot reach the original functions
--     kept here.

local cwd = lfs.currentdir()
local home = os.getenv("HOME")
local kpse_ok = false
local write_roots, read_roots
local cache_roots = {}

local function normalise(path)
  if type(path) ~= "string" then return nil end
  if path:sub(1, 1) ~= "/" then path = cwd .. "/" .. path end
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then
      if #parts == 0 then return nil end
      table.remove(parts)
    elseif part ~= "." then
      table.insert(parts, part)
    end
  end
  return "/" .. table.concat(parts, "/")
end

local function add_roots(list, value)
  for entry in (value or ""):gmatch("[^:;{},!]+") do
    local root = normalise(entry)
    if root and root ~= "/" then table.insert(list, root) end
  end
end

local function roots()
  if write_roots and kpse_ok then return end
  write_roots, read_roots = { cwd }, { cwd, "/usr", "/var/lib/texmf", "/etc/texmf", "/etc/fonts" }
  local ok, cache = pcall(kpse.expand_var, "$TEXMFCACHE")
  kpse_ok = ok and type(cache) == "string" and not cache:find("%$")
  if kpse_ok then
    -- luaotfload writes only below luatex-cache; the rest of these trees is searched for TeX
    -- files, which a write could plant for later builds.
    local caches = {}
    add_roots(caches, cache)
    cache_roots = caches
    for _, root in ipairs(caches) do
      table.insert(write_roots, root .. "/luatex-cache")
      table.insert(write_roots, root .. "/m_t_x_t_e_s_t.tmp") -- its test of the cache path
      table.insert(read_roots, root)
    end
    for _, name in ipairs({ "TEXMFVAR", "TEXMFCONFIG", "TEXMFHOME", "TEXMFLOCAL", "TEXMFDIST",
                            "TEXMFMAIN", "TEXMFSYSVAR", "TEXMFSYSCONFIG" }) do
      local found, value = pcall(kpse.expand_var, "$" .. name)
      if found then add_roots(read_roots, value) end
    end
  end
  if home then
    for _, dir in ipairs({ "/.fonts", "/.local/share/fonts", "/.cache/fontconfig" }) do
      table.insert(read_roots, home .. dir)
    end
  end
end

local function under(path, list)
  for _, root in ipairs(list) do
    if path == root or path:sub(1, #root + 1) == root .. "/" then return true end
  end
  return false
end

local function allowed(path, writing)
  local full = normalise(path)
  if not full then return false end
  roots()
  return under(full, writing and write_roots or read_roots)
end

local function refuse(what, path)
  return nil, "cvbuild: " .. what .. " of '" .. tostring(path) .. "' refused (outside the build)"
end

local function writes(mode)
  return type(mode) == "string" and mode:find("[wa+]") ~= nil
end

local open, lines, input, output = io.open, io.lines, io.input, io.output
io.open = function(path, mode)
  if not allowed(path, writes(mode)) then return refuse("opening", path) end
  return open(path, mode)
end
io.lines = function(path, ...)
  if path ~= nil and not allowed(path, false) then error(select(2, refuse("reading", path))) end
  return lines(path, ...)
end
io.input = function(file)
  if type(file) == "string" and not allowed(file, false) then
    error(select(2, refuse("reading", file)))
  end
  return input(file)
end
io.output = function(file)
  if type(file) == "string" and not allowed(file, true) then
    error(select(2, refuse("writing", file)))
  end
  return output(file)
end
-- Refused calls return nil and a message (as when shell escape is off), since the libraries
-- test for failure rather than for a missing function.
local function no_process(...) return nil, "cvbuild: running programs is refused" end
io.popen = no_process

local remove, rename = os.remove, os.rename
os.remove = function(path)
  if not allowed(path, true) then return refuse("removing", path) end
  return remove(path)
end
os.rename = function(from, to)
  if not (allowed(from, true) and allowed(to, true)) then return refuse("renaming", from) end
  return rename(from, to)
end
for _, name in ipairs({ "execute", "exec", "spawn", "tmpdir", "kpsepopen" }) do
  if os[name] then os[name] = no_process end
end
-- The environment may hold secrets (tokens, passwords): Lua sees only the variables TeX, fonts
-- and the Lua libraries use. And it may not change those that set TeX's own file limits.
local function harmless(name)
  if type(name) ~= "string" then return false end
  local upper = name:upper()
  return upper:match("^TEX") or upper:match("^XDG_") or upper:match("^FONTCONFIG")
    or upper:match("^LUAOTFLOAD") or upper:match("^MTX_") or upper:match("_ANY$")
    or upper:match("^SELFAUTO") or upper == "HOME" or upper == "SOURCE_DATE_EPOCH"
    or upper == "FORCE_SOURCE_DATE" or upper == "MAX_PRINT_LINE" or upper == "PWD"
    or upper == "PATH" or upper == "LANG" or upper:match("^LC_")
end
local function protected(name)
  local upper = tostring(name):upper()
  return not upper:match("^MTX_") or upper:find("_ANY") or upper:find("TEX")
    or upper:find("PATH") or upper:find("SHELL")
end
local getenv, setenv = os.getenv, os.setenv
os.getenv = function(name)
  if harmless(name) then return getenv(name) end
  return nil
end
if setenv then
  os.setenv = function(name, value)
    if protected(name) then return nil end
    return setenv(name, value)
  end
end
if type(os.env) == "table" then
  local visible = {}
  for name, value in pairs(os.env) do
    if harmless(name) then visible[name] = value end
  end
  os.env = visible
end

-- A new user's font cache folder (~/.texlive2022/texmf-var) may be made, and the folders above.
local function leads_to_cache(path)
  local full = normalise(path)
  roots()
  for _, root in ipairs(cache_roots) do
    if full and (root == full or root:sub(1, #full + 1) == full .. "/") then return true end
  end
  return false
end
lfs.link = function() return nil, "cvbuild: making links is refused" end
for _, name in ipairs({ "mkdir", "rmdir", "touch" }) do
  local original = lfs[name]
  if original then
    lfs[name] = function(path, ...)
      if not (allowed(path, true) or (name == "mkdir" and leads_to_cache(path))) then
        return refuse(name, path)
      end
      return original(path, ...)
    end
  end
end
local dir = lfs.dir
lfs.dir = function(path)
  if not allowed(path, false) then error(select(2, refuse("listing", path))) end
  return dir(path)
end
lfs.chdir = function() return nil, "cvbuild: changing directory is refused" end

-- Lua code from files: text from readable places, compiled chunks only from the font cache.
local raw_loadfile, raw_load = loadfile, load
local function binary_allowed(path)
  local full = normalise(path)
  roots()
  return full and under(full, write_roots) and not under(full, { cwd })
end
loadfile = function(path, mode, ...)
  if path == nil or not allowed(path, false) then return refuse("loading", path) end
  if not binary_allowed(path) then mode = "t" end
  return raw_loadfile(path, mode or "bt", ...)
end
dofile = function(path)
  local chunk, message = loadfile(path)
  if not chunk then error(message) end
  return chunk()
end
-- Compiled chunks made in this run by string.dump (the Lua libraries do this) may be loaded
-- again; hand-made bytecode, which can break out of Lua's own safety, may not.
local dump, dumped = string.dump, {}
string.dump = function(...)
  local code = dump(...)
  dumped[code] = true
  return code
end
local function safe_load(chunk, name, mode, ...)
  if not (type(chunk) == "string" and dumped[chunk]) then mode = "t" end
  return raw_load(chunk, name, mode, ...) -- (an explicit nil environment would differ from none)
end
load = safe_load
if loadstring then loadstring = safe_load end

package.loadlib = nil
if package.searchers then
  package.searchers[3], package.searchers[4] = nil, nil -- native (C) modules
end
package.cpath = ""

local traceback, getinfo = debug.traceback, debug.getinfo
debug = { traceback = traceback, getinfo = getinfo }
package.loaded.debug = debug

-- TeX's own reads of whole files bypass `openin_any` for absolute paths: an image, or a file
-- embedded with \pdfextension obj file {/etc/...}. The same rule as for Lua applies; a refused
-- file is replaced by a name that does not exist, so the build stops there.
local function tex_file(name)
  local found = kpse.find_file(name, "tex") or name
  if allowed(found, false) then return found end
  texio.write_nl("cvbuild: reading '" .. tostring(name) .. "' refused (outside the build)")
  return "cvbuild-refused-file-outside-the-build"
end
callback.register("find_data_file", tex_file)
callback.register("find_image_file", tex_file)

-- ---------------------------------------------------------------- precompiled preamble
-- cvbuild dumps the preamble into a LuaLaTeX format (see "precompiled preamble" in cvbuild.sty).
-- A format keeps TeX's state but not Lua's: these two functions record, at the dump point, what
-- the class and its packages left outside TeX, and put it back when a run loads the format.
cvbuild_format = {}

local function serialise(value)
  if type(value) == "table" then
    local parts = {}
    for key, item in pairs(value) do
      table.insert(parts, "[" .. serialise(key) .. "]=" .. serialise(item))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(value) == "string" then
    return string.format("%q", value)
  end
  return tostring(value)
end

-- LaTeX keeps Lua-side data (expl3's intarrays) in a bytecode register of the format. In an ini
-- run on top of lualatex.fmt, expl3 ignores the data lualatex.fmt holds and dumps only the
-- arrays made in this run: the kernel's own arrays would come back empty ("Access to an entry
-- beyond an array's bounds"). So after expl3 has written its data, the kernel's entries that
-- this run did not set are added again.
local function keep_kernel_luadata()
  local ok, register = pcall(function() return token.create("@expl@luadata@bytecode").index end)
  local kernel = ok and register and lua.bytecode[register]
  if not kernel then return end
  kernel = kernel()
  luatexbase.add_to_callback("pre_dump", function()
    local ours = lua.bytecode[register]
    local merged = ours and ours() or {}
    for name, tables in pairs(kernel) do
      merged[name] = merged[name] or {}
      for index, entries in pairs(tables) do
        local made = merged[name][index] or {}
        for key, entry in pairs(entries) do
          if made[key] == nil then made[key] = entry end
        end
        merged[name][index] = made
      end
    end
    lua.bytecode[register] = assert(raw_load("return " .. serialise(merged), "=luadata", "t"))
  end, "cvbuild.luadata")
end

-- Callbacks a format may hold: LaTeX's own, luaotfload's (both set up again in every run).
local function restorable(name, owner)
  return owner:find("^luaotfload") or owner == "tracingstacklevels" or name == "pre_dump"
end

-- At the dump point (the end of cvbuild.sty, in every run: it costs little): returns the Lua
-- modules loaded so far, the number of PDF objects reserved so far, and puts a copy of the
-- nodes waiting for the first page into box register `box`. In the ini run, refuses (an error,
-- so no format is made) when a package registered a callback that would be lost.
function cvbuild_format.record(box)
  local copy
  for _, list in ipairs({ "page_head", "contrib_head" }) do
    local head = tex.lists[list]
    if head then
      head = node.copy_list(head)
      copy = copy and node.insert_after(copy, node.tail(copy), head) or head
    end
  end
  if copy then tex.setbox("global", box, (node.vpack(copy))) end
  if status.ini_version then
    for name in pairs(callback.list()) do
      for _, owner in ipairs(luatexbase.callback_descriptions(name) or {}) do
        if not restorable(name, owner) then
          tex.error("cvbuild: no format, as Lua callback " .. name .. " (" .. owner
                    .. ") would be lost")
        end
      end
    end
    keep_kernel_luadata()
  end
  local names = {}
  for name in pairs(package.loaded) do table.insert(names, name) end
  table.sort(names)
  return names, pdf.maxobjnum()
end

-- At the start of a run that loaded the format (\everyjob): load the modules again that the
-- kernel has not loaded by then, and reserve the PDF objects again, with the same numbers.
function cvbuild_format.restore(modules, objects)
  for _, name in ipairs(modules) do
    if not package.loaded[name] then require(name) end
  end
  for number = 1, objects do
    if pdf.reserveobj() ~= number then
      tex.error("cvbuild: the format's PDF objects are out of step with this run")
    end
  end
end
