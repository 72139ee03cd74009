;;; codex-ls.el --- Codex-style assistance from the codex-ls language server -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: tools, languages, convenience
;; License: MIT

;;; Commentary:

;; codex-ls gives any LSP editor Codex-style code assistance.  Ghost text
;; beside the buffer's own language server comes from `codex-ls-mode'
;; (codex-ls-mode.el), which keeps a connection of its own.  This file is the
;; other option: it registers codex-ls with eglot for `codex-ls-major-modes', so that
;; `completion-at-point' (and company or corfu on top of it) offers the model's
;; suggestion through `textDocument/completion', and adds interactive
;; commands for the server's code actions:
;;
;;   `codex-ls-explain'        explain the region (or the function at point), in a
;;                             buffer that grows as the model writes (codex-ls-text.el)
;;   `codex-ls-edit'           rewrite it following an instruction
;;   `codex-ls-implement'      `codex-ls-add-docstring'  `codex-ls-add-comments'
;;   `codex-ls-add-tests'      `codex-ls-find-bugs'      `codex-ls-translate'
;;
;; Settings go to the server as initializationOptions, in the same shape as
;; the server's JSON settings, written as a plist:
;;
;;   (setq codex-ls-settings
;;         '(:backend (:kind "openai" :url "http://127.0.0.1:8080/v1"
;;                     :model "qwen2.5-coder-1.5b")))
;;
;; Knobs few setups change sit in each section's tuning plist:
;; (:backend (:tuning (:requestTimeout 120))).
;;   (require 'codex-ls)
;;   (add-hook 'python-mode-hook #'eglot-ensure)
;;
;; eglot before Emacs 30 runs one server per major mode: codex-ls then
;; replaces pylsp or pyright in those modes.
;;
;; If codex-ls dies (a crash, a kill), eglot starts it again by itself and
;; the buffers keep their text: `eglot-autoreconnect' (3 by default) does so
;; for a server that had been up for 3 seconds, and not for one that dies
;; right after it starts, so a server that cannot start is not started in
;; a loop.  M-x eglot-reconnect starts it by hand.

;;; Code:

(require 'cl-lib)
(require 'codex-ls-text)
(require 'eglot)
(require 'jsonrpc)

(defgroup codex-ls nil
  "Codex-style assistance from the codex-ls language server."
  :group 'tools
  :prefix "codex-ls-")

(defcustom codex-ls-program "codex-ls"
  "The codex-ls executable: a name looked up in variable `exec-path', or a file."
  :type 'string)

(defcustom codex-ls-program-args nil
  "Extra arguments for `codex-ls-program', e.g. (\"--log-file\" \"/tmp/codex-ls.log\")."
  :type '(repeat string))

(defcustom codex-ls-settings nil
  "The server's settings as a plist: backend, model, completion.
For example (:backend (:kind \"openai\" :url \"http://127.0.0.1:8080/v1\")
:completion (:maxTokens 128)).  nil uses the embedded local model.  Sent
as initializationOptions; after a change, \\[codex-ls-apply-settings]
sends them to running servers."
  :type 'plist)

(defcustom codex-ls-major-modes '(python-mode python-ts-mode)
  "Major modes whose buffers eglot manages with codex-ls."
  :type '(repeat symbol))

(defvar codex-ls-status nil
  "The last `codex/status' of the server: a plist (:state STATE :message TEXT).")

(defun codex-ls--initialization-options (_server)
  "Return the initializationOptions: `codex-ls-settings', or an empty object."
  (or codex-ls-settings (make-hash-table)))

(defun codex-ls--contact (&optional _interactive)
  "Return the eglot contact for codex-ls, a program on stdio."
  `(,codex-ls-program ,@codex-ls-program-args
                      :initializationOptions codex-ls--initialization-options))

(defun codex-ls--registered-p (entry)
  "Non-nil if ENTRY of `eglot-server-programs' is codex-ls's."
  (eq (cdr-safe entry) #'codex-ls--contact))

;;;###autoload
(defun codex-ls-register ()
  "Put codex-ls first in `eglot-server-programs' for `codex-ls-major-modes'."
  (setq eglot-server-programs
        (cons (cons codex-ls-major-modes #'codex-ls--contact)
              (cl-remove-if #'codex-ls--registered-p eglot-server-programs))))

(defun codex-ls--server ()
  "Return the eglot server of the current buffer."
  (let ((server (eglot-current-server)))
    (unless server
      (user-error "No eglot server manages this buffer (M-x eglot starts codex-ls)"))
    server))

(defun codex-ls--region ()
  "Return the region if active, else point, as (BEG . END).
At point, without a region, the server takes the function there."
  (if (use-region-p)
      (cons (region-beginning) (region-end))
    (cons (point) (point))))

(defun codex-ls--range (beg end)
  "Return the LSP range of BEG..END in the current buffer."
  (list :start (eglot--pos-to-lsp-position beg)
        :end (eglot--pos-to-lsp-position end)))

(defun codex-ls--argument (beg end &rest extra)
  "Return the argument object of a codex command on BEG..END, plus EXTRA keys."
  (append (list :uri (plist-get (eglot--TextDocumentIdentifier) :uri)
                :range (codex-ls--range beg end))
          extra))

;;;###autoload
(defun codex-ls-explain (beg end)
  "Explain the code between BEG and END (the region, or the function at point).
The *codex-ls explanation* buffer shows the words as the model writes them."
  (interactive (let ((region (codex-ls--region))) (list (car region) (cdr region))))
  (codex-ls-text-explain (codex-ls--server) (eglot--TextDocumentIdentifier) (codex-ls--range beg end)))

(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql $/progress)) &key token value &allow-other-keys)
  "Give a piece of an explanation or a translation to its buffer.
TOKEN is the answer's partialResultToken and VALUE holds the piece."
  (codex-ls-text-partial token value))

(defun codex-ls--execute (command beg end &rest extra)
  "Run the server's COMMAND on BEG..END with EXTRA argument keys.
The server answers with workspace/applyEdit, which eglot applies (asking
first, as `eglot-confirm-server-initiated-edits' says)."
  (eglot-execute-command (codex-ls--server) command
                         (vector (apply #'codex-ls--argument beg end extra))))

(defmacro codex-ls--define-action (name command doc)
  "Define NAME, a command to run the server's COMMAND.
DOC is the first line of its docstring."
  `(defun ,name (beg end)
     ,(concat doc "\nWorks on the region BEG..END, or on the function at point.")
     (interactive (let ((region (codex-ls--region))) (list (car region) (cdr region))))
     (codex-ls--execute ,command beg end)))

;;;###autoload (autoload 'codex-ls-implement "codex-ls" nil t)
(codex-ls--define-action codex-ls-implement "codex.implement" "Implement the code (a stub, a TODO).")
;;;###autoload (autoload 'codex-ls-add-docstring "codex-ls" nil t)
(codex-ls--define-action codex-ls-add-docstring "codex.addDocstring" "Add a docstring.")
;;;###autoload (autoload 'codex-ls-add-comments "codex-ls" nil t)
(codex-ls--define-action codex-ls-add-comments "codex.addComments" "Add comments.")
;;;###autoload (autoload 'codex-ls-add-tests "codex-ls" nil t)
(codex-ls--define-action codex-ls-add-tests "codex.addTests" "Write tests for the code.")
;;;###autoload (autoload 'codex-ls-find-bugs "codex-ls" nil t)
(codex-ls--define-action codex-ls-find-bugs "codex.findBugs" "Look for bugs.")

;;;###autoload
(defun codex-ls-edit (beg end instruction)
  "Rewrite the code between BEG and END following INSTRUCTION.
Interactively: the region (or the function at point) and an instruction
read from the minibuffer."
  (interactive (let ((region (codex-ls--region)))
                 (list (car region) (cdr region) (read-string "Codex, edit: "))))
  (when (string-empty-p (string-trim instruction))
    (user-error "An edit needs an instruction"))
  (codex-ls--execute "codex.edit" beg end :instruction instruction))

;;;###autoload
(defun codex-ls-translate (beg end target)
  "Translate the code between BEG and END to the language TARGET.
The *codex-ls translation* buffer shows the code as the model writes it."
  (interactive (let ((region (codex-ls--region)))
                 (list (car region) (cdr region) (read-string "Codex, translate to: "))))
  (codex-ls-text-translate (codex-ls--server) (eglot--TextDocumentIdentifier) (codex-ls--range beg end) target))

;;;###autoload
(defun codex-ls-apply-settings ()
  "Send `codex-ls-settings' to every running codex-ls server."
  (interactive)
  (dolist (server (cl-remove-if-not #'codex-ls--server-p (codex-ls--all-servers)))
    (jsonrpc-notify server :workspace/didChangeConfiguration
                    (list :settings (list :codexLs (codex-ls--initialization-options server))))))

(defun codex-ls--all-servers ()
  "Return every live eglot server."
  (let (servers)
    (maphash (lambda (_project list) (setq servers (append list servers)))
             eglot--servers-by-project)
    servers))

(defun codex-ls--server-p (server)
  "Non-nil if SERVER was started from `codex-ls--contact'."
  (let ((name (plist-get (eglot--server-info server) :name)))
    (equal name "codex-ls")))

(cl-defmethod eglot-handle-notification
  (_server (_method (eql codex/status)) &key state message &allow-other-keys)
  "Keep the server's STATE and MESSAGE for the mode line."
  (setq codex-ls-status (list :state state :message message))
  (force-mode-line-update t))

(defun codex-ls--connected (server)
  "Forget the status of an earlier codex-ls: SERVER starts idle.
After a crash eglot connects again (see `eglot-autoreconnect'), and the dead
server's last status (busy with an action, an error) must not stay in the
mode line."
  (when (codex-ls--server-p server)
    (setq codex-ls-status nil)
    (force-mode-line-update t)))

(add-hook 'eglot-connect-hook #'codex-ls--connected)

(defun codex-ls-mode-line ()
  "Return the mode line text of `codex-ls-status'."
  (when (and (bound-and-true-p eglot--managed-mode)
             (ignore-errors (codex-ls--server-p (eglot-current-server))))
    (pcase (plist-get codex-ls-status :state)
      ("busy" " codex…")
      ("error" (propertize " codex!" 'face 'error
                           'help-echo (plist-get codex-ls-status :message)))
      (_ " codex"))))

(add-to-list 'mode-line-misc-info '(:eval (codex-ls-mode-line)))
(codex-ls-register)

(provide 'codex-ls)
;;; codex-ls.el ends here
