;;; codex-ls-mode.el --- Codex ghost text beside any language server -*- lexical-binding: t; -*-

;; Author: codex-ls authors
;; Version: 0.2.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: tools, convenience
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; `codex-ls-mode' keeps its own connection to the codex-ls language server,
;; so eglot or lsp-mode goes on running the buffer's own language server
;; (pylsp, pyright, gopls...) untouched.  While you type, the model's
;; suggestion is drawn after point as ghost text (an overlay), asked for
;; with `textDocument/inlineCompletion' once typing pauses for
;; `codex-ls-mode-delay' seconds; a request that typing made stale is
;; cancelled with `$/cancelRequest'.
;;
;; While a suggestion is shown, `codex-ls-mode-suggestion-map' is active:
;;
;;   M-RET      accept the whole suggestion      `codex-ls-mode-accept'
;;   C-<right>  accept its next word             `codex-ls-mode-accept-word'
;;   C-<down>   accept its next line             `codex-ls-mode-accept-line'
;;   M-]  M-[   next / previous alternative      `codex-ls-mode-next', `codex-ls-mode-previous'
;;   C-g        dismiss it                       `codex-ls-mode-dismiss'
;;
;; Nothing takes TAB unless you ask for it; many like
;;
;;   (define-key codex-ls-mode-suggestion-map (kbd "TAB") #'codex-ls-mode-accept)
;;
;; which leaves TAB to indentation and company/corfu whenever no suggestion
;; is shown.  `codex-ls-mode-complete' asks at point now (bind it yourself,
;; e.g. to C-c C-SPC is not free for minor modes; M-\ if you do not use it).
;;
;; `codex-ls-mode-action' runs a code action (Explain, Edit, Add tests...) by
;; the title the server gives it; the mode line shows its progress.
;; `codex-ls-mode-explain' (Explain) and `codex-ls-mode-translate' (Translate)
;; show their answer in a buffer that grows as the model writes it
;; (codex-ls-text.el).
;; `codex-ls-mode-stats' shows what became of the suggestions.
;;
;;   (require 'codex-ls-mode)
;;   (setq codex-ls-mode-settings '(:backend (:kind "openai" :url "http://127.0.0.1:8080/v1")))
;;   (global-codex-ls-mode 1)
;;
;; Knobs few setups change sit in each section's tuning plist:
;; (:backend (:tuning (:requestTimeout 120))).
;;
;; `global-codex-ls-mode' turns it on in every buffer visiting a file whose
;; major mode does not derive from one in `codex-ls-mode-excluded-modes'.
;; If the server dies it is started again after a short delay; the ghost
;; text goes away and the buffers keep their text.

;;; Code:

(require 'cl-lib)
(require 'codex-ls-text)
(require 'jsonrpc)
(require 'subr-x)
(require 'url-util)

(defgroup codex-ls-mode-ghost-text nil
  "Ghost text and code actions from the codex-ls language server."
  :group 'tools
  :prefix "codex-ls-mode-")

(defcustom codex-ls-mode-program "codex-ls"
  "The codex-ls executable: a name looked up in variable `exec-path', or a file."
  :type 'string)

(defcustom codex-ls-mode-program-args nil
  "Extra arguments for `codex-ls-mode-program'.
For example (\"--log-file\" \"/tmp/codex-ls.log\")."
  :type '(repeat string))

(defcustom codex-ls-mode-settings nil
  "The server's settings as a plist: backend, model, completion.
nil uses the embedded local model."
  :type 'plist)

(defcustom codex-ls-mode-delay 0.05
  "Seconds of quiet after a change before the server is asked for a suggestion.
The server itself coalesces keystrokes that outrun the model; this only folds
a burst of keys into one request."
  :type 'number)

(defcustom codex-ls-mode-excluded-modes
  '(special-mode minibuffer-mode comint-mode term-mode eshell-mode dired-mode help-mode)
  "Major modes where `global-codex-ls-mode' stays off.
And the modes derived from them."
  :type '(repeat symbol))

(defcustom codex-ls-mode-language-ids
  '((python-mode . "python") (python-ts-mode . "python")
    (js-mode . "javascript") (js-ts-mode . "javascript") (js2-mode . "javascript")
    (typescript-mode . "typescript") (typescript-ts-mode . "typescript")
    (tsx-ts-mode . "typescriptreact")
    (go-mode . "go") (go-ts-mode . "go")
    (rust-mode . "rust") (rust-ts-mode . "rust") (rustic-mode . "rust")
    (c-mode . "c") (c-ts-mode . "c") (c++-mode . "cpp") (c++-ts-mode . "cpp")
    (java-mode . "java") (java-ts-mode . "java")
    (ruby-mode . "ruby") (ruby-ts-mode . "ruby")
    (sh-mode . "shellscript") (bash-ts-mode . "shellscript")
    (lua-mode . "lua") (php-mode . "php") (csharp-mode . "csharp")
    (emacs-lisp-mode . "elisp") (lisp-interaction-mode . "elisp")
    (html-mode . "html") (mhtml-mode . "html") (css-mode . "css")
    (js-json-mode . "json") (json-mode . "json") (json-ts-mode . "json")
    (yaml-mode . "yaml") (yaml-ts-mode . "yaml") (markdown-mode . "markdown")
    (text-mode . "plaintext"))
  "LSP language ids by major mode; other modes send their name without -mode."
  :type '(alist :key-type symbol :value-type string))

(defface codex-ls-mode-ghost '((t :inherit shadow))
  "The face of the ghost text.")

(defvar codex-ls-mode-suggestion-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "M-RET") #'codex-ls-mode-accept)
    (define-key map (kbd "C-<right>") #'codex-ls-mode-accept-word)
    (define-key map (kbd "C-<down>") #'codex-ls-mode-accept-line)
    (define-key map (kbd "M-]") #'codex-ls-mode-next)
    (define-key map (kbd "M-[") #'codex-ls-mode-previous)
    (define-key map (kbd "C-g") #'codex-ls-mode-dismiss)
    map)
  "Keys active while a suggestion is shown.")

(defvar codex-ls-mode-status nil
  "The last `codex/status' of the server: a plist (:state STATE :message TEXT).")

(defvar codex-ls-mode-progress nil
  "The code action running now, as the server's progress says: title and message.")

(defvar codex-ls-mode-last-action nil
  "The last code action the server finished.
A plist: (:command COMMAND :done t) or (:command COMMAND :error TEXT).")

(defvar codex-ls-mode-findings nil
  "The last *Find bugs* diagnostics: an alist of (URI . DIAGNOSTICS).")

(defvar codex-ls-mode)

(defvar-local codex-ls-mode--overlay nil "The overlay drawing the ghost text.")
(defvar-local codex-ls-mode--items nil "The suggestions at point: plists (:text :start :end :command :whole).")
(defvar-local codex-ls-mode--index 0 "Which of `codex-ls-mode--items' is shown.")
(defvar-local codex-ls-mode--timer nil "The debounce timer.")
(defvar-local codex-ls-mode--request-id nil "The id of the inline completion request in flight.")
(defvar-local codex-ls-mode--inserting nil "Non-nil while the mode itself inserts an accepted part.")
(defvar-local codex-ls-mode--shown nil "Non-nil while a suggestion is shown: its keys are active.")

(defvar-local codex-ls-mode--version 0 "The version of the buffer as the server knows it.")
(defvar-local codex-ls-mode--opened nil "Non-nil once the server was told the buffer is open.")
(defvar-local codex-ls-mode--before nil "The LSP range a change is about to replace, and its buffer positions.")

;;;; The connection

(defvar codex-ls-mode--connection nil "The connection to codex-ls, while it runs.")
(defvar codex-ls-mode--actions nil "The server's `codex/actions' answer, a list of plists.")
(defvar codex-ls-mode--restart-delay 0.5 "Seconds before a dead server is started again.")
(defvar codex-ls-mode--stopping nil "Non-nil while `codex-ls-mode-shutdown' stops the server.")

(defun codex-ls-mode--uri (&optional buffer)
  "Return the URI of BUFFER (default: the current buffer)."
  (let ((file (buffer-file-name (or buffer (current-buffer)))))
    (if file
        (concat "file://" (url-hexify-string (expand-file-name file) url-path-allowed-chars))
      (concat "untitled:" (url-hexify-string (buffer-name buffer))))))

(defun codex-ls-mode--buffer-of (uri)
  "Return the live buffer whose URI is URI, if any."
  (cl-find-if (lambda (b) (equal (codex-ls-mode--uri b) uri)) (buffer-list)))

(defun codex-ls-mode--file-of (uri)
  "Return the file name of the file URI URI."
  (url-unhex-string (string-remove-prefix "file://" uri)))

(defun codex-ls-mode--language-id ()
  "Return the LSP language id of the current buffer's major mode."
  (or (cdr (assq major-mode codex-ls-mode-language-ids))
      (let ((name (symbol-name major-mode)))
        (replace-regexp-in-string "\\(-ts\\)?-mode\\'" "" name))))

(defun codex-ls-mode--capabilities ()
  "Return the client capabilities sent at initialize."
  (list :textDocument (list :inlineCompletion (list :dynamicRegistration :json-false)
                            :synchronization (list :dynamicRegistration :json-false))
        :workspace (list :applyEdit t
                         :configuration t
                         :workspaceEdit (list :documentChanges t :resourceOperations ["create"]))
        :window (list :workDoneProgress t :showDocument (list :support t))
        :general (list :positionEncodings ["utf-16"])))

(defun codex-ls-mode--start ()
  "Start codex-ls and initialize it; return the connection."
  (let* ((process (make-process
                   :name "codex-ls"
                   :command (cons codex-ls-mode-program codex-ls-mode-program-args)
                   :connection-type 'pipe
                   :coding 'utf-8-emacs-unix
                   :noquery t
                   :stderr (get-buffer-create " *codex-ls stderr*")))
         (connection (jsonrpc-process-connection
                      :name "codex-ls"
                      :process process
                      :notification-dispatcher #'codex-ls-mode--notification
                      :request-dispatcher #'codex-ls-mode--request
                      :on-shutdown #'codex-ls-mode--exited)))
    (setq codex-ls-mode--connection connection
          codex-ls-mode--actions nil
          codex-ls-mode-status nil
          codex-ls-mode-progress nil)
    (jsonrpc-request connection :initialize
                     (list :processId (emacs-pid)
                           :clientInfo (list :name "Emacs codex-ls-mode" :version emacs-version)
                           :rootUri nil
                           :capabilities (codex-ls-mode--capabilities)
                           :initializationOptions (or codex-ls-mode-settings (make-hash-table))))
    (jsonrpc-notify connection :initialized (make-hash-table))
    (dolist (buffer (buffer-list))
      (with-current-buffer buffer
        (when codex-ls-mode
          (codex-ls-mode--did-open))))
    connection))

(defun codex-ls-mode--connection ()
  "Return the running connection, starting codex-ls if it is not running."
  (if (and codex-ls-mode--connection (jsonrpc-running-p codex-ls-mode--connection))
      codex-ls-mode--connection
    (codex-ls-mode--start)))

(defun codex-ls-mode--exited (connection)
  "CONNECTION ended: clear the ghost text, start codex-ls again.
Unless `codex-ls-mode-shutdown' stopped it."
  (when (eq connection codex-ls-mode--connection)
    (setq codex-ls-mode--connection nil
          codex-ls-mode-progress nil)
    (dolist (buffer (buffer-list))
      (with-current-buffer buffer
        (when codex-ls-mode
          (codex-ls-mode--clear)
          (setq codex-ls-mode--opened nil))))
    (force-mode-line-update t)
    (unless codex-ls-mode--stopping
      (message "codex-ls exited; starting it again in %s s" codex-ls-mode--restart-delay)
      (run-at-time codex-ls-mode--restart-delay nil #'codex-ls-mode--restart))))

(defun codex-ls-mode--restart ()
  "Start codex-ls again if a buffer still uses it."
  (when (and (not codex-ls-mode--connection)
             (cl-some (lambda (b) (buffer-local-value 'codex-ls-mode b)) (buffer-list)))
    (condition-case err
        (progn (codex-ls-mode--start)
               (message "codex-ls is running again"))
      (error (message "codex-ls could not be started: %s" (error-message-string err))))))

(defun codex-ls-mode-shutdown ()
  "Stop codex-ls (it starts again when a buffer with `codex-ls-mode' asks)."
  (interactive)
  (when-let ((connection codex-ls-mode--connection))
    (let ((codex-ls-mode--stopping t))
      (ignore-errors (jsonrpc-request connection :shutdown nil :timeout 3))
      (ignore-errors (jsonrpc-notify connection :exit nil))
      (jsonrpc-shutdown connection))))

;;;; What the server sends

(defun codex-ls-mode--notification (_connection method params)
  "Handle the server's notification METHOD with PARAMS."
  (pcase method
    ('codex/status
     (setq codex-ls-mode-status (list :state (plist-get params :state) :message (plist-get params :message)))
     (force-mode-line-update t))
    ('$/progress
     (unless (codex-ls-text-partial (plist-get params :token) (plist-get params :value))
       (codex-ls-mode--on-progress (plist-get params :value))))
    ('window/showMessage (message "%s" (plist-get params :message)))
    ('textDocument/publishDiagnostics
     (let ((uri (plist-get params :uri)) (diagnostics (plist-get params :diagnostics)))
       (setf (alist-get uri codex-ls-mode-findings nil nil #'equal) diagnostics)
       (when (> (length diagnostics) 0)
         (message "codex-ls: %d finding(s): %s" (length diagnostics)
                  (mapconcat (lambda (d) (plist-get d :message)) diagnostics "; ")))))
    (_ nil)))

(defun codex-ls-mode--on-progress (value)
  "Keep the progress VALUE of a running action for the mode line."
  (pcase (plist-get value :kind)
    ("begin" (setq codex-ls-mode-progress (list :title (plist-get value :title) :message nil)))
    ("report" (setq codex-ls-mode-progress (plist-put codex-ls-mode-progress :message (plist-get value :message))))
    ("end" (setq codex-ls-mode-progress nil)))
  (force-mode-line-update t))

(defun codex-ls-mode--request (_connection method params)
  "Answer the server's request METHOD with PARAMS."
  (pcase method
    ('workspace/applyEdit (codex-ls-mode--apply-workspace-edit (plist-get params :edit)))
    ('window/showDocument
     (let ((file (codex-ls-mode--file-of (plist-get params :uri))))
       (display-buffer (find-file-noselect file))
       (list :success t)))
    ('window/workDoneProgress/create nil)
    ('workspace/configuration
     (vconcat (mapcar (lambda (_item) (or codex-ls-mode-settings (make-hash-table)))
                      (plist-get params :items))))
    ('client/registerCapability nil)
    (_ (jsonrpc-error :code -32601 :message (format "%s is not supported" method)))))

;;;; Positions and documents

(defun codex-ls-mode--utf16-length (string)
  "Return the length of STRING in UTF-16 code units."
  (/ (length (encode-coding-string string 'utf-16le)) 2))

(defun codex-ls-mode--position (pos)
  "Return the LSP position of POS."
  (save-excursion
    (goto-char pos)
    (list :line (1- (line-number-at-pos pos t))
          :character (codex-ls-mode--utf16-length
                      (buffer-substring-no-properties (line-beginning-position) pos)))))

(defun codex-ls-mode--point (position)
  "Return the buffer position of the LSP POSITION."
  (save-excursion
    (goto-char (point-min))
    (forward-line (plist-get position :line))
    (let ((units (plist-get position :character))
          (eol (line-end-position)))
      (while (and (> units 0) (< (point) eol))
        (setq units (- units (if (> (char-after) #xFFFF) 2 1)))
        (forward-char))
      (point))))

(defun codex-ls-mode--document ()
  "Return the text document identifier of the current buffer."
  (list :uri (codex-ls-mode--uri) :version codex-ls-mode--version))

(defun codex-ls-mode--did-open ()
  "Tell the server the current buffer is open."
  (setq codex-ls-mode--version (1+ codex-ls-mode--version)
        codex-ls-mode--opened t)
  (jsonrpc-notify (codex-ls-mode--connection) :textDocument/didOpen
                  (list :textDocument
                        (list :uri (codex-ls-mode--uri)
                              :languageId (codex-ls-mode--language-id)
                              :version codex-ls-mode--version
                              :text (save-restriction
                                      (widen)
                                      (buffer-substring-no-properties (point-min) (point-max)))))))

(defun codex-ls-mode--before-change (beg end)
  "Remember the LSP range of BEG..END, which a change is about to replace."
  (when codex-ls-mode--opened
    (setq codex-ls-mode--before
          (list beg end (codex-ls-mode--position beg) (codex-ls-mode--position end)))))

(defun codex-ls-mode--after-change (beg end length)
  "Send the change of BEG..END (LENGTH characters before it) to the server."
  (when (and codex-ls-mode--opened codex-ls-mode--connection)
    (setq codex-ls-mode--version (1+ codex-ls-mode--version))
    (let* ((before codex-ls-mode--before)
           (change (if (and before (= beg (nth 0 before)) (= (+ beg length) (nth 1 before)))
                       (list :range (list :start (nth 2 before) :end (nth 3 before))
                             :text (buffer-substring-no-properties beg end))
                     ;; A change Emacs reported in other bounds than it announced: send it all.
                     (list :text (save-restriction
                                   (widen)
                                   (buffer-substring-no-properties (point-min) (point-max)))))))
      (setq codex-ls-mode--before nil)
      (jsonrpc-notify codex-ls-mode--connection :textDocument/didChange
                      (list :textDocument (codex-ls-mode--document)
                            :contentChanges (vector change))))
    (unless codex-ls-mode--inserting
      (codex-ls-mode--clear)
      (when (eq (current-buffer) (window-buffer (selected-window)))
        (codex-ls-mode--schedule)))))

;;;; Ghost text

(defvar codex-ls-mode--emulation-alist `((codex-ls-mode--shown . ,codex-ls-mode-suggestion-map))
  "Makes `codex-ls-mode-suggestion-map' active while a suggestion is shown.")

(defun codex-ls-mode--cancel ()
  "Cancel the debounce timer and the request in flight."
  (when codex-ls-mode--timer
    (cancel-timer codex-ls-mode--timer)
    (setq codex-ls-mode--timer nil))
  (when (and codex-ls-mode--request-id codex-ls-mode--connection)
    (jsonrpc-notify codex-ls-mode--connection :$/cancelRequest (list :id codex-ls-mode--request-id)))
  (setq codex-ls-mode--request-id nil))

(defun codex-ls-mode--hide ()
  "Remove the ghost text."
  (when codex-ls-mode--overlay
    (delete-overlay codex-ls-mode--overlay)
    (setq codex-ls-mode--overlay nil))
  (setq codex-ls-mode--shown nil))

(defun codex-ls-mode--clear ()
  "Cancel what is pending and forget the suggestions."
  (codex-ls-mode--cancel)
  (codex-ls-mode--hide)
  (setq codex-ls-mode--items nil codex-ls-mode--index 0))

(defun codex-ls-mode--rest (item)
  "Return what ITEM adds at point, or nil when it no longer fits the buffer.
Without what was typed since it began, and without the end that the
characters after point it replaces (an auto-closed paren) already show."
  (let ((start (plist-get item :start)) (end (plist-get item :end)) (text (plist-get item :text)))
    (when (<= start (point))
      (let ((typed (buffer-substring-no-properties start (point))))
        (when (string-prefix-p typed text)
          (let* ((rest (substring text (length typed)))
                 (replaced (and (> end (point)) (buffer-substring-no-properties (point) end))))
            (when (and replaced (not (string-search "\n" rest)) (string-suffix-p replaced rest))
              (setq rest (substring rest 0 (- (length rest) (length replaced)))))
            (unless (string-empty-p rest) rest)))))))

(defun codex-ls-mode--draw ()
  "Draw the current suggestion after point."
  (codex-ls-mode--hide)
  (when-let* ((item (nth codex-ls-mode--index codex-ls-mode--items))
              (rest (codex-ls-mode--rest item)))
    (let ((ghost (propertize rest 'face 'codex-ls-mode-ghost))
          (overlay (make-overlay (point) (point) nil nil t)))
      (when (> (length codex-ls-mode--items) 1)
        (setq ghost (concat ghost (propertize (format " (%d/%d)" (1+ codex-ls-mode--index)
                                                      (length codex-ls-mode--items))
                                              'face 'codex-ls-mode-ghost))))
      ;; The cursor stays before the ghost text, not after it.
      (put-text-property 0 1 'cursor t ghost)
      (overlay-put overlay 'after-string ghost)
      (overlay-put overlay 'codex-ls-mode t)
      (overlay-put overlay 'priority 1000)
      (setq codex-ls-mode--overlay overlay
            codex-ls-mode--shown t))))

(defun codex-ls-mode--schedule ()
  "Ask for a suggestion once typing pauses."
  (when codex-ls-mode--timer
    (cancel-timer codex-ls-mode--timer))
  (let ((buffer (current-buffer)))
    (setq codex-ls-mode--timer
          (run-at-time codex-ls-mode-delay nil
                       (lambda ()
                         (when (buffer-live-p buffer)
                           (with-current-buffer buffer
                             (setq codex-ls-mode--timer nil)
                             (codex-ls-mode--ask nil))))))))

(defun codex-ls-mode--items-of (result)
  "The suggestions of the inline completion RESULT.
Plists with buffer positions."
  (let ((items (if (vectorp result) result (plist-get result :items))))
    (delq nil
          (mapcar (lambda (raw)
                    (let ((text (plist-get raw :insertText)) (range (plist-get raw :range)))
                      (unless (stringp text) ; a StringValue snippet
                        (setq text (plist-get text :value)))
                      (when (and (stringp text) (not (string-empty-p text)))
                        (list :text text :whole text
                              :start (if range (codex-ls-mode--point (plist-get range :start)) (point))
                              :end (if range (codex-ls-mode--point (plist-get range :end)) (point))
                              :command (plist-get raw :command)))))
                  items))))

(defun codex-ls-mode--ask (invoked)
  "Ask the server for suggestions at point; INVOKED when the user asked."
  (codex-ls-mode--cancel)
  (let* ((buffer (current-buffer))
         (tick (buffer-chars-modified-tick))
         (at (point))
         (id nil))
    (setq id
          (car (jsonrpc-async-request
                (codex-ls-mode--connection) :textDocument/inlineCompletion
                (list :textDocument (list :uri (codex-ls-mode--uri))
                      :position (codex-ls-mode--position at)
                      :context (list :triggerKind (if invoked 1 2)))
                :success-fn
                (lambda (result)
                  (when (buffer-live-p buffer)
                    (with-current-buffer buffer
                      (when (and (equal codex-ls-mode--request-id id)
                                 (= tick (buffer-chars-modified-tick))
                                 (= at (point)))
                        (setq codex-ls-mode--request-id nil
                              codex-ls-mode--items (codex-ls-mode--items-of result)
                              codex-ls-mode--index 0)
                        (codex-ls-mode--draw)))))
                :error-fn (lambda (&rest _) nil)
                :timeout-fn (lambda () nil))))
    (setq codex-ls-mode--request-id id)))

(defun codex-ls-mode--post-command ()
  "Hide the ghost text when point left the place it was drawn at."
  (when (and codex-ls-mode--overlay (/= (point) (overlay-start codex-ls-mode--overlay)))
    (codex-ls-mode--clear)))

(defun codex-ls-mode--current ()
  "Return the shown suggestion, or signal that there is none."
  (or (and codex-ls-mode--shown (nth codex-ls-mode--index codex-ls-mode--items))
      (user-error "No codex-ls suggestion is shown")))

(defun codex-ls-mode--run-command (command)
  "Run the server's COMMAND (a plist), if any."
  (when command
    (jsonrpc-async-request (codex-ls-mode--connection) :workspace/executeCommand
                           (list :command (plist-get command :command)
                                 :arguments (or (plist-get command :arguments) []))
                           :success-fn #'ignore :error-fn #'ignore :timeout-fn #'ignore)))

(defun codex-ls-mode-accept ()
  "Insert the whole suggestion shown."
  (interactive)
  (let ((item (codex-ls-mode--current)))
    (codex-ls-mode--clear)
    (let ((start (plist-get item :start)) (end (max (point) (plist-get item :end))))
      (delete-region start end)
      (goto-char start)
      (insert (plist-get item :text)))
    (codex-ls-mode--run-command (plist-get item :command))))

(defun codex-ls-mode--next-word (rest)
  "The head of REST that accept word takes."
  (if (string-match "\\`[ \t]*\\(?:[[:alnum:]_]+\\|[^[:alnum:]_[:space:]]+\\|\n\\)" rest)
      (match-string 0 rest)
    rest))

(defun codex-ls-mode--next-line (rest)
  "The head of REST that accept line takes: up to and with its first line break."
  (let ((stop (string-search "\n" rest)))
    (if stop (substring rest 0 (1+ stop)) rest)))

(defun codex-ls-mode--accept-part (take)
  "Insert the head of the suggestion that TAKE picks; the rest stays shown."
  (let* ((item (codex-ls-mode--current))
         (start (plist-get item :start))
         (typed (buffer-substring-no-properties start (point)))
         (rest (substring (plist-get item :text) (length typed)))
         (head (funcall take rest)))
    (if (>= (length head) (length rest))
        (codex-ls-mode-accept)
      (let ((tail (max 0 (- (plist-get item :end) (point))))
            (whole (plist-get item :whole))
            (before (- (length (plist-get item :whole)) (length (plist-get item :text)))))
        (codex-ls-mode--cancel)
        (let ((codex-ls-mode--inserting t))
          (insert head))
        (setq codex-ls-mode--items
              (list (list :text (substring rest (length head)) :whole whole
                          :start (point) :end (+ (point) tail) :command (plist-get item :command)))
              codex-ls-mode--index 0)
        (codex-ls-mode--draw)
        (jsonrpc-notify (codex-ls-mode--connection) :textDocument/didPartiallyAcceptCompletion
                        (list :item (list :insertText whole)
                              :acceptedLength (codex-ls-mode--utf16-length
                                               (substring whole 0 (+ before (length typed) (length head))))))
        ;; The server answers the rest from the suggestion it showed, without the model.
        (codex-ls-mode--schedule)))))

(defun codex-ls-mode-accept-word ()
  "Insert the next word of the suggestion shown; the rest stays shown."
  (interactive)
  (codex-ls-mode--accept-part #'codex-ls-mode--next-word))

(defun codex-ls-mode-accept-line ()
  "Insert the next line of the suggestion shown, with its line break.
The rest stays shown."
  (interactive)
  (codex-ls-mode--accept-part #'codex-ls-mode--next-line))

(defun codex-ls-mode--cycle (step)
  "Show the alternative STEP away from the current one."
  (codex-ls-mode--current)
  (setq codex-ls-mode--index (mod (+ codex-ls-mode--index step) (length codex-ls-mode--items)))
  (codex-ls-mode--draw))

(defun codex-ls-mode-next ()
  "Show the next alternative."
  (interactive)
  (codex-ls-mode--cycle 1))

(defun codex-ls-mode-previous ()
  "Show the previous alternative."
  (interactive)
  (codex-ls-mode--cycle -1))

(defun codex-ls-mode-dismiss ()
  "Hide the suggestion shown, and tell the server it was dismissed."
  (interactive)
  (when codex-ls-mode--shown
    (codex-ls-mode--clear)
    (when codex-ls-mode--connection
      (jsonrpc-notify codex-ls-mode--connection :codex/didDismissCompletion (make-hash-table)))))

(defun codex-ls-mode-complete ()
  "Ask for a suggestion at point now."
  (interactive)
  (codex-ls-mode--clear)
  (codex-ls-mode--ask t))

;;;; Code actions

(defun codex-ls-mode-actions ()
  "Return the server's code actions: plists (:command :title :kind), in its order."
  (or codex-ls-mode--actions
      (setq codex-ls-mode--actions
            (append (jsonrpc-request (codex-ls-mode--connection) :codex/actions (make-hash-table)) nil))))

(defun codex-ls-mode--region ()
  "Return the region if active, else point, as (BEG . END)."
  (if (use-region-p) (cons (region-beginning) (region-end)) (cons (point) (point))))

(defun codex-ls-mode-run-action (command beg end &rest extra)
  "Run the server's action COMMAND on BEG..END with EXTRA argument keys.
The server applies its result through `workspace/applyEdit' or shows it
with `window/showDocument'; its progress is in the mode line."
  (jsonrpc-async-request
   (codex-ls-mode--connection) :workspace/executeCommand
   (list :command command
         :arguments (vector (append (list :uri (codex-ls-mode--uri)
                                          :range (list :start (codex-ls-mode--position beg)
                                                       :end (codex-ls-mode--position end)))
                                    extra)))
   :success-fn (lambda (_result) (setq codex-ls-mode-last-action (list :command command :done t)))
   :error-fn (lambda (error)
               (setq codex-ls-mode-last-action (list :command command :error (plist-get error :message)))
               (message "codex-ls: %s failed: %s" command (plist-get error :message)))
   :timeout 300))

;;;###autoload
(defun codex-ls-mode-explain (beg end)
  "Explain the code between BEG and END (the region, or the function at point).
The *codex-ls explanation* buffer shows the words as the model writes them."
  (interactive (let ((region (codex-ls-mode--region))) (list (car region) (cdr region))))
  (codex-ls-text-explain (codex-ls-mode--connection) (list :uri (codex-ls-mode--uri))
                         (list :start (codex-ls-mode--position beg) :end (codex-ls-mode--position end))))

;;;###autoload
(defun codex-ls-mode-translate (beg end target)
  "Translate the code between BEG and END to the language TARGET.
The *codex-ls translation* buffer shows the code as the model writes it."
  (interactive (let ((region (codex-ls-mode--region)))
                 (list (car region) (cdr region) (read-string "Codex, translate to: "))))
  (codex-ls-text-translate (codex-ls-mode--connection) (list :uri (codex-ls-mode--uri))
                           (list :start (codex-ls-mode--position beg) :end (codex-ls-mode--position end))
                           target))

;;;###autoload
(defun codex-ls-mode-action (title beg end)
  "Run the code action called TITLE on BEG..END.
Interactively, the region, or the function at point."
  (interactive
   (let ((titles (mapcar (lambda (a) (plist-get a :title)) (codex-ls-mode-actions)))
         (region (codex-ls-mode--region)))
     (list (completing-read "Codex: " titles nil t) (car region) (cdr region))))
  (let* ((action (cl-find title (codex-ls-mode-actions) :key (lambda (a) (plist-get a :title)) :test #'equal))
         (command (plist-get action :command)))
    (pcase command
      ('nil (user-error "codex-ls has no action %s" title))
      ("codex.explain" (codex-ls-mode-explain beg end))
      ("codex.edit" (codex-ls-mode-run-action command beg end :instruction (read-string "Codex, edit: ")))
      ("codex.translate" (codex-ls-mode-translate beg end (read-string "Codex, translate to: ")))
      (_ (codex-ls-mode-run-action command beg end)))))

(defun codex-ls-mode--apply-text-edits (edits)
  "Apply the LSP text EDITS to the current buffer, last first."
  (let ((changes (mapcar (lambda (e)
                           (let ((range (plist-get e :range)))
                             (list (codex-ls-mode--point (plist-get range :start))
                                   (codex-ls-mode--point (plist-get range :end))
                                   (plist-get e :newText))))
                         edits)))
    (save-excursion
      (dolist (change (sort changes (lambda (a b) (> (car a) (car b)))))
        (goto-char (nth 0 change))
        (delete-region (nth 0 change) (nth 1 change))
        (insert (nth 2 change))))))

(defun codex-ls-mode--apply-workspace-edit (edit)
  "Apply the WorkspaceEdit EDIT; answer as `workspace/applyEdit' does."
  (condition-case err
      (progn
        (mapc #'codex-ls-mode--apply-document-change (plist-get edit :documentChanges))
        (let ((changes (plist-get edit :changes)))
          (cl-loop for (uri edits) on changes by #'cddr
                   do (with-current-buffer (find-file-noselect
                                            (codex-ls-mode--file-of (substring (symbol-name uri) 1)))
                        (codex-ls-mode--apply-text-edits edits))))
        (list :applied t))
    (error (list :applied :json-false :failureReason (error-message-string err)))))

(defun codex-ls-mode--apply-document-change (change)
  "Apply one entry CHANGE of a WorkspaceEdit's documentChanges."
  (if (equal (plist-get change :kind) "create")
      (let ((file (codex-ls-mode--file-of (plist-get change :uri))))
        (unless (file-exists-p file)
          (make-directory (file-name-directory file) t)
          (write-region "" nil file nil 'silent)))
    (let* ((document (plist-get change :textDocument))
           (uri (plist-get document :uri))
           (version (plist-get document :version))
           (buffer (or (codex-ls-mode--buffer-of uri)
                       (find-file-noselect (codex-ls-mode--file-of uri)))))
      (with-current-buffer buffer
        (when (and version codex-ls-mode--opened (/= version codex-ls-mode--version))
          (error "%s changed since the edit was computed" (buffer-name)))
        (codex-ls-mode--apply-text-edits (plist-get change :edits))
        (unless codex-ls-mode--opened
          (save-buffer))))))

;;;###autoload
(defun codex-ls-mode-stats ()
  "Show what became of the suggestions since codex-ls started.
And how many times it called the model."
  (interactive)
  (let* ((stats (jsonrpc-request (codex-ls-mode--connection) :codex/stats (make-hash-table)))
         (s (plist-get stats :suggestions))
         (c (plist-get stats :completions)))
    (message "codex-ls since %s: %d shown, %d accepted, %d accepted in part, %d dismissed; %d model calls"
             (plist-get s :since) (or (plist-get s :shown) 0) (or (plist-get s :accepted) 0)
             (or (plist-get s :partiallyAccepted) 0) (or (plist-get s :dismissed) 0)
             (or (plist-get c :model) 0))))

;;;; The modes

(defun codex-ls-mode-line ()
  "Return the mode line text: the server's state and the action in progress."
  (when (bound-and-true-p codex-ls-mode)
    (let ((progress codex-ls-mode-progress))
      (cond (progress (format " codex[%s%s]" (plist-get progress :title)
                              (if-let ((m (plist-get progress :message))) (concat ": " m) "…")))
            ((equal (plist-get codex-ls-mode-status :state) "busy") " codex…")
            ((equal (plist-get codex-ls-mode-status :state) "error")
             (propertize " codex!" 'face 'error 'help-echo (plist-get codex-ls-mode-status :message)))
            ((null codex-ls-mode--connection) " codex-")
            (t " codex")))))

;;;###autoload
(define-minor-mode codex-ls-mode
  "Ghost text and code actions from codex-ls.
Beside the buffer's own language server, which eglot or lsp-mode runs.
While a suggestion is shown, `codex-ls-mode-suggestion-map' is active."
  :lighter (:eval (codex-ls-mode-line))
  (if codex-ls-mode
      (progn
        (add-hook 'before-change-functions #'codex-ls-mode--before-change nil t)
        (add-hook 'after-change-functions #'codex-ls-mode--after-change nil t)
        (add-hook 'post-command-hook #'codex-ls-mode--post-command nil t)
        (add-hook 'kill-buffer-hook #'codex-ls-mode--did-close nil t)
        (add-to-list 'emulation-mode-map-alists 'codex-ls-mode--emulation-alist)
        (codex-ls-mode--connection)
        (unless codex-ls-mode--opened
          (codex-ls-mode--did-open)))
    (codex-ls-mode--clear)
    (codex-ls-mode--did-close)
    (remove-hook 'before-change-functions #'codex-ls-mode--before-change t)
    (remove-hook 'after-change-functions #'codex-ls-mode--after-change t)
    (remove-hook 'post-command-hook #'codex-ls-mode--post-command t)
    (remove-hook 'kill-buffer-hook #'codex-ls-mode--did-close t)))

(defun codex-ls-mode--did-close ()
  "Tell the server the current buffer is closed."
  (when (and codex-ls-mode--opened codex-ls-mode--connection)
    (jsonrpc-notify codex-ls-mode--connection :textDocument/didClose
                    (list :textDocument (list :uri (codex-ls-mode--uri)))))
  (setq codex-ls-mode--opened nil))

(defun codex-ls-mode--turn-on ()
  "Turn on `codex-ls-mode' in a buffer visiting a file, outside the excluded modes."
  (when (and buffer-file-name
             (not (minibufferp))
             (not (apply #'derived-mode-p codex-ls-mode-excluded-modes)))
    (codex-ls-mode 1)))

;;;###autoload
(define-globalized-minor-mode global-codex-ls-mode codex-ls-mode codex-ls-mode--turn-on)

(provide 'codex-ls-mode)
;;; codex-ls-mode.el ends here
