--- `:checkhealth codex`: Neovim's version, the server's command, the settings.

local M = {}

function M.check()
  local health = vim.health
  health.start("codex")
  if vim.fn.has("nvim-0.11") == 1 then
    health.ok("Neovim " .. tostring(vim.version()))
  else
    health.error("Neovim 0.11 or later is needed (vim.lsp.config / vim.lsp.enable)")
  end
  if vim.lsp.inline_completion then
    health.ok("ghost text: vim.lsp.inline_completion (built in)")
  else
    health.ok("ghost text: codex's own renderer (this Neovim has no vim.lsp.inline_completion)")
  end
  local codex = require("codex")
  local config = vim.lsp.config[codex.config.name]
  if not config then
    health.warn('require("codex").setup() has not been called')
    return
  end
  local cmd = type(config.cmd) == "table" and config.cmd or nil
  if not cmd then
    health.info("cmd is a function")
  elseif vim.fn.executable(cmd[1]) == 1 then
    health.ok("server: " .. vim.fn.exepath(cmd[1]))
  else
    health.error(cmd[1] .. " is not executable", {
      "pip install codex-ls (or 'codex-ls[local,model-0-5b]' for the embedded model)",
      'or pass setup({ cmd = { "/path/to/codex-ls" } })',
    })
  end
  local backend = (codex.config.settings or {}).backend or {}
  health.info(("backend: %s %s"):format(backend.kind or "local", backend.url or ""))
  local clients = vim.lsp.get_clients({ name = codex.config.name })
  health.info(("%d client(s) running"):format(#clients))
end

return M
