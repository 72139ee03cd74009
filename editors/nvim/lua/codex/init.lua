--- codex-ls for Neovim ≥ 0.11: the server through `vim.lsp.config` / `vim.lsp.enable`,
--- ghost text, `:Codex` code actions and a statusline component.
---
--- ```lua
--- require("codex").setup({
---   cmd = { "codex-ls" },
---   settings = { backend = { kind = "openai", url = "http://127.0.0.1:8080/v1", model = "qwen2.5-coder-1.5b" } },
--- })
--- ```

local M = {}

---@class codex.Keymaps
---@field accept string|false Insert mode: accept the ghost text (falls back to the key itself).
---@field accept_word string|false Insert mode: accept the next word of the ghost text; the rest stays shown.
---@field accept_line string|false Insert mode: accept the next line of the ghost text; the rest stays shown.
---@field next string|false Insert mode: show the next suggestion.
---@field prev string|false Insert mode: show the previous suggestion.
---@field dismiss string|false Insert mode: hide the ghost text.
---@field trigger string|false Insert mode: ask for a suggestion now.

---@class codex.GhostText
---@field enabled boolean
---@field renderer "auto"|"builtin"|"codex" `auto`: `vim.lsp.inline_completion` where it exists (0.12), else codex's own.
---@field debounce_ms integer Quiet time after the last keystroke before asking the server (the server itself
--- coalesces keystrokes that outrun the model, so this only folds a burst of keys into one request).
---@field hl_group string Highlight of the ghost text.

---@class codex.Config
---@field name string Name of the LSP config (`:checkhealth vim.lsp`, `vim.lsp.get_clients`).
---@field cmd string[]? The server's command; nil: `.venv/bin/codex-ls` at or above the cwd, else `codex-ls`.
---@field filetypes string[]? nil: every filetype.
---@field root_markers string[]
---@field settings table The server's settings object (the `codexLs` section): backend, model, completion.
---@field ghost_text codex.GhostText
---@field keymaps codex.Keymaps

---@type codex.Config
local defaults = {
  name = "codex_ls",
  cmd = nil,
  filetypes = nil,
  root_markers = { ".git", "pyproject.toml", "package.json", "Cargo.toml", "go.mod" },
  settings = {},
  ghost_text = { enabled = true, renderer = "auto", debounce_ms = 20, hl_group = "Comment" },
  keymaps = {
    accept = "<Tab>",
    accept_word = "<C-Right>",
    accept_line = "<C-Down>",
    next = "<M-]>",
    prev = "<M-[>",
    dismiss = "<C-]>",
    trigger = "<M-\\>",
  },
}

---@type codex.Config
M.config = vim.deepcopy(defaults)

--- The server's command when none is configured: the project's virtual environment
--- (a `.venv` at or above the current directory), else `codex-ls` on PATH.
---@return string[]
local function find_cmd()
  local venv = vim.fs.find(".venv", { upward = true, type = "directory", path = vim.fn.getcwd() })[1]
  if venv and vim.fn.executable(venv .. "/bin/codex-ls") == 1 then
    return { venv .. "/bin/codex-ls" }
  end
  return { "codex-ls" } -- if it is not on PATH either, :checkhealth codex says so
end

--- An empty Lua table would be sent as a JSON array; the server wants an object.
---@param settings table
---@return table
local function as_object(settings)
  return next(settings) == nil and vim.empty_dict() or settings
end

--- The client of codex-ls attached to a buffer, if any.
---@param bufnr integer?
---@return vim.lsp.Client?
function M.client(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr or 0, name = M.config.name })[1]
end

---@param bufnr integer
---@param client vim.lsp.Client
local function on_attach(bufnr, client)
  if not M.config.ghost_text.enabled then
    return
  end
  local renderer = M.config.ghost_text.renderer
  local builtin = vim.lsp.inline_completion ~= nil
  if renderer == "builtin" or (renderer == "auto" and builtin) then
    require("codex.builtin").attach(bufnr, client, M.config)
  else
    require("codex.ghost").attach(bufnr, client, M.config)
  end
end

---@param opts codex.Config|table|nil
function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  local config = M.config
  local settings = config.settings or {}

  vim.lsp.config(config.name, {
    cmd = config.cmd or find_cmd(),
    filetypes = config.filetypes,
    root_markers = config.root_markers,
    init_options = as_object(settings),
    -- Sent as workspace/didChangeConfiguration after initialize, and the answer to
    -- workspace/configuration: change it with require("codex").set_settings().
    settings = { codexLs = as_object(settings) },
    capabilities = { textDocument = { inlineCompletion = { dynamicRegistration = false } } },
    handlers = {
      ["codex/status"] = require("codex.status").handler,
      ["$/progress"] = require("codex.actions").progress_handler,
    },
    -- A server that dies is started again, with a growing delay and a message.
    on_init = require("codex.restart").on_init,
    on_exit = require("codex.restart").on_exit(config.name),
  })
  vim.lsp.enable(config.name)

  local group = vim.api.nvim_create_augroup("codex", { clear = true })
  vim.api.nvim_create_autocmd("LspAttach", {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == config.name then
        on_attach(args.buf, client)
      end
    end,
  })
  require("codex.actions").create_command()
end

--- Replace the server's settings in every running client, without a restart.
---@param settings table
function M.set_settings(settings)
  M.config.settings = settings
  for _, client in ipairs(vim.lsp.get_clients({ name = M.config.name })) do
    client.settings = { codexLs = as_object(settings) }
    client:notify("workspace/didChangeConfiguration", { settings = client.settings })
  end
end

--- Stop codex-ls and start it again now (`:Codex restart`).
function M.restart()
  require("codex.restart").restart(M.config.name)
end

--- Accept the ghost text at the cursor; false if there is none.
---@return boolean
function M.accept()
  local bufnr = vim.api.nvim_get_current_buf()
  if require("codex.ghost").accept(bufnr) then
    return true
  end
  local inline = vim.lsp.inline_completion
  return inline ~= nil and inline.is_enabled({ bufnr = bufnr }) and inline.get({ bufnr = bufnr }) == true
end

--- The statusline component: `codex` followed by the server's state, or "".
---@return string
function M.statusline()
  return require("codex.status").statusline()
end

return M
