--- `:[range]Codex {action}`: the server's code actions, on the lines of the range,
--- or without a range at the cursor (the server then takes the function there).
---
--- Explain and Translate ask `codex/explain` and `codex/translate` and show the answer
--- in a scratch window, which grows as the server writes it: the request carries a
--- `partialResultToken`, and each `$/progress` on it holds the next piece
--- (`M.progress_handler`); the answer is the whole text. The others run `workspace/executeCommand` with one argument object
--- `{uri, range, instruction?, target?}`, and the server answers with
--- `workspace/applyEdit` or `window/showDocument`, which Neovim's own handlers apply.

local M = {}

local api = vim.api

---@class codex.Action
---@field command string The server's command.
---@field input ("instruction"|"target")? Asked with vim.ui.input first.
---@field prompt string?

---@type table<string, codex.Action>
M.actions = {
  explain = { command = "codex.explain" },
  tests = { command = "codex.addTests" },
  edit = { command = "codex.edit", input = "instruction", prompt = "Codex, edit: " },
  implement = { command = "codex.implement" },
  docstring = { command = "codex.addDocstring" },
  comments = { command = "codex.addComments" },
  bugs = { command = "codex.findBugs" },
  translate = { command = "codex.translate", input = "target", prompt = "Codex, translate to: " },
}

--- The LSP range of lines `first`..`last` (1-based, inclusive), to the end of `last`.
---@param bufnr integer
---@param first integer
---@param last integer
---@param encoding string
---@return lsp.Range
function M.line_range(bufnr, first, last, encoding)
  local text = api.nvim_buf_get_lines(bufnr, last - 1, last, false)[1] or ""
  local character = vim.lsp.util.character_offset(bufnr, last - 1, #text, encoding)
  return { start = { line = first - 1, character = 0 }, ["end"] = { line = last - 1, character = character } }
end

---@class codex.View A scratch buffer that shows an answer to read.
---@field name string The buffer's name.
---@field key string The field of the answer, and of each piece, that holds the text.
---@field event string The `User` event fired on each change.
---@field what string What it is, for messages.

---@type table<string, codex.View>
local views = {
  explain = { name = "codex://explanation", key = "markdown", event = "CodexExplanation", what = "explanation" },
  translate = { name = "codex://translation", key = "code", event = "CodexTranslation", what = "translation" },
}

--- Show `text` in the view's scratch buffer (split beside the code), then fire its `User`
--- event with `{ bufnr, done }` (`done`: the whole answer, not a part still being written).
---@param view codex.View
---@param text string
---@param done boolean
---@param filetype string
---@return integer bufnr
local function show(view, text, done, filetype)
  local bufnr = vim.fn.bufnr(view.name)
  if bufnr == -1 then
    bufnr = api.nvim_create_buf(false, true)
    api.nvim_buf_set_name(bufnr, view.name)
    vim.bo[bufnr].bufhidden = "hide"
  end
  if vim.bo[bufnr].filetype ~= filetype then
    vim.bo[bufnr].filetype = filetype
  end
  vim.bo[bufnr].modifiable = true
  api.nvim_buf_set_lines(bufnr, 0, -1, false, vim.split(text, "\n", { plain = true }))
  vim.bo[bufnr].modifiable = false
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd("botright vsplit")
    win = api.nvim_get_current_win()
    api.nvim_win_set_buf(win, bufnr)
    vim.wo[win].wrap = true
    vim.wo[win].linebreak = true
    vim.cmd("wincmd p")
  end
  api.nvim_exec_autocmds("User", { pattern = view.event, modeline = false, data = { bufnr = bufnr, done = done } })
  return bufnr
end

--- What receives the pieces of each answer being written, by its partialResultToken.
---@type table<string, fun(value: table)>
local partials = {}
local requests = 0

--- `handlers["$/progress"]` of the LSP config: a piece of an explanation or a translation
--- goes to its scratch buffer; any other progress (the server's work-done progress) to
--- Neovim's handler.
---@param err lsp.ResponseError?
---@param params lsp.ProgressParams
---@param ctx lsp.HandlerContext
---@param config table?
function M.progress_handler(err, params, ctx, config)
  local receive = type(params) == "table" and partials[params.token] or nil
  if not receive then
    return vim.lsp.handlers["$/progress"](err, params, ctx, config)
  end
  if type(params.value) == "table" then
    receive(params.value)
  end
end

--- Ask `method` and show its answer in `view` as the model writes it, then whole.
---@param client vim.lsp.Client
---@param bufnr integer
---@param method string
---@param params table
---@param view codex.View
---@param filetype string The buffer's filetype until the answer names its language.
local function read(client, bufnr, method, params, view, filetype)
  requests = requests + 1
  local token = ("codex-read-%d"):format(requests)
  local written = ""
  partials[token] = function(value)
    local piece = value[view.key]
    if type(piece) == "string" and piece ~= "" then
      written = written .. piece
      show(view, written, false, filetype)
    end
  end
  params.partialResultToken = token
  client:request(method, params, function(err, result)
    partials[token] = nil
    if err then
      -- Cancelled or failed: the server has said why; what was written stays.
      if written == "" then
        vim.notify(("codex: %s failed: %s"):format(view.what, err.message or vim.inspect(err)), vim.log.levels.ERROR)
      end
      return
    end
    local text = type(result) == "table" and result[view.key] or nil
    if type(text) ~= "string" or text == "" then
      if written == "" then
        vim.notify(("codex: no %s for this code"):format(view.what), vim.log.levels.INFO)
      end
      return
    end
    show(view, text, true, type(result.languageId) == "string" and result.languageId or filetype)
  end, bufnr)
end

--- `codex/explain`: the Markdown in a scratch split that grows as the model writes.
---@param client vim.lsp.Client
---@param bufnr integer
---@param range lsp.Range
function M.explain(client, bufnr, range)
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, range = range }
  read(client, bufnr, "codex/explain", params, views.explain, "markdown")
end

--- `codex/translate`: the code in a scratch split that grows as the model writes it,
--- with the filetype of the language it was translated to.
---@param client vim.lsp.Client
---@param bufnr integer
---@param range lsp.Range
---@param target string
function M.translate(client, bufnr, range, target)
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, range = range, target = target }
  read(client, bufnr, "codex/translate", params, views.translate, "")
end

---@param client vim.lsp.Client
---@param bufnr integer
---@param action codex.Action
---@param argument table
local function execute(client, bufnr, action, argument)
  client:exec_cmd({ title = action.command, command = action.command, arguments = { argument } }, { bufnr = bufnr }, function(err)
    if err then
      vim.notify(("codex: %s failed: %s"):format(action.command, err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
  end)
end

--- The LSP range of the cursor (empty).
---@param bufnr integer
---@param encoding string
---@return lsp.Range
function M.cursor_range(bufnr, encoding)
  local row, col = unpack(api.nvim_win_get_cursor(0))
  local position = { line = row - 1, character = vim.lsp.util.character_offset(bufnr, row - 1, col, encoding) }
  return { start = position, ["end"] = position }
end

--- Run an action on lines `first`..`last` of the current buffer, or at the cursor.
---@param name string A key of M.actions.
---@param first integer?
---@param last integer?
function M.run(name, first, last)
  local action = M.actions[name]
  if not action then
    vim.notify("codex: unknown action " .. name, vim.log.levels.ERROR)
    return
  end
  local bufnr = api.nvim_get_current_buf()
  local client = require("codex").client(bufnr)
  if not client then
    vim.notify("codex: codex-ls is not attached to this buffer", vim.log.levels.WARN)
    return
  end
  local range = first and M.line_range(bufnr, first, last or first, client.offset_encoding)
    or M.cursor_range(bufnr, client.offset_encoding)
  if name == "explain" then
    M.explain(client, bufnr, range)
    return
  end
  local argument = { uri = vim.uri_from_bufnr(bufnr), range = range }
  if not action.input then
    execute(client, bufnr, action, argument)
    return
  end
  vim.ui.input({ prompt = action.prompt }, function(answer)
    if answer and vim.trim(answer) ~= "" then
      if name == "translate" then
        M.translate(client, bufnr, range, answer)
        return
      end
      argument[action.input] = answer
      execute(client, bufnr, action, argument)
    end
  end)
end

--- The server's code actions `{command, title, kind}` (`codex/actions`), in its order;
--- nil when it does not answer within two seconds.
---@param client vim.lsp.Client
---@param bufnr integer
---@return { command: string, title: string, kind: string }[]?
function M.server_actions(client, bufnr)
  local answer = client:request_sync("codex/actions", vim.empty_dict(), 2000, bufnr)
  if not answer or answer.err or type(answer.result) ~= "table" then
    return nil
  end
  return answer.result
end

--- The short name of `:Codex {name}` for a server command.
---@param command string
---@return string?
local function name_of(command)
  for name, action in pairs(M.actions) do
    if action.command == command then
      return name
    end
  end
  return nil
end

--- `:Codex` without an action: pick one by the server's title.
---@param first integer?
---@param last integer?
function M.pick(first, last)
  local bufnr = api.nvim_get_current_buf()
  local client = require("codex").client(bufnr)
  local actions = client and M.server_actions(client, bufnr)
  if not actions then
    vim.notify("codex: codex-ls did not list its actions", vim.log.levels.WARN)
    return
  end
  vim.ui.select(actions, {
    prompt = "Codex:",
    format_item = function(action)
      return action.title
    end,
  }, function(action)
    local name = action and name_of(action.command)
    if name then
      M.run(name, first, last)
    end
  end)
end

--- `:Codex stats`: what became of the suggestions since the server started, and its model calls.
function M.stats()
  local bufnr = api.nvim_get_current_buf()
  local client = require("codex").client(bufnr)
  local answer = client and client:request_sync("codex/stats", vim.empty_dict(), 2000, bufnr)
  if not answer or answer.err or type(answer.result) ~= "table" then
    vim.notify("codex: codex-ls did not answer codex/stats", vim.log.levels.WARN)
    return nil
  end
  local s, c = answer.result.suggestions or {}, answer.result.completions or {}
  local text = ("codex since %s: %d shown, %d accepted, %d accepted in part, %d dismissed; %d model calls"):format(
    s.since or "?",
    s.shown or 0,
    s.accepted or 0,
    s.partiallyAccepted or 0,
    s.dismissed or 0,
    c.model or 0
  )
  vim.notify(text, vim.log.levels.INFO)
  return text
end

function M.create_command()
  api.nvim_create_user_command("Codex", function(opts)
    local first, last = nil, nil
    if opts.range > 0 then
      first, last = opts.line1, opts.line2
    end
    if opts.fargs[1] == "restart" then
      require("codex").restart()
    elseif opts.fargs[1] == "stats" then
      M.stats()
    elseif not opts.fargs[1] then
      M.pick(first, last)
    else
      M.run(opts.fargs[1], first, last)
    end
  end, {
    nargs = "?",
    range = true,
    desc = "codex-ls code action on the range, or on the function at the cursor (none: pick by title); "
      .. "restart: start codex-ls again; stats: what became of the suggestions",
    complete = function(lead)
      local names = vim.tbl_filter(function(name)
        return vim.startswith(name, lead)
      end, vim.list_extend(vim.tbl_keys(M.actions), { "restart", "stats" }))
      table.sort(names)
      return names
    end,
  })
end

return M
