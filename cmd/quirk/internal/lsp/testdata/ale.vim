" Drives vim + ALE against quirk: ALE's LSP client on "quirk lsp" (the
" linter "quirk" defined here), then its code-fix machinery on the finding.
" What ALE saw is written as JSON to $QUIRK_VIM_OUT for the Go test.
set nocompatible
let &runtimepath = '/usr/share/vim/vimfiles/pack/dist-bundle/opt/ale,' . &runtimepath
filetype plugin on
runtime! plugin/ale.vim
" QUIRK_ALE_MODE=shellcheck: ALE's own ShellCheck linter, pointed at the
" quirk binary (the drop-in: ALE runs %e --version, then -s bash -x -f gcc -).
let s:shellcheck = $QUIRK_ALE_MODE is# 'shellcheck'
let g:ale_linters = {'sh': [s:shellcheck ? 'shellcheck' : 'quirk']}
let g:ale_sh_shellcheck_executable = $QUIRK_BIN
let g:ale_linters_explicit = 1
let g:ale_lint_delay = 0
let g:ale_set_loclist = 1
let s:out = {'error': v:null}

function! s:Finish() abort
  call writefile([json_encode(s:out)], $QUIRK_VIM_OUT)
  qall!
endfunction

function! s:Wait(cond, ms) abort
  let l:waited = 0
  while !eval(a:cond) && l:waited < a:ms
    sleep 50m
    let l:waited += 50
  endwhile
  return eval(a:cond)
endfunction

function! s:Items() abort
  return map(copy(ale#engine#GetLoclist(bufnr(''))), '{"code": get(v:val, "code", ""), "lnum": v:val.lnum, "col": v:val.col, "text": v:val.text, "linter": get(v:val, "linter_name", "")}')
endfunction

function! s:OnActions(data, items) abort
  let s:out.actions = map(copy(a:items), 'v:val[1].title')
  for l:item in a:items
    if l:item[1].title =~# '^Disable QK5001 on this line'
      call ale#codefix#ApplyLSPCodeAction(a:data, l:item[1])
      let s:applied = 1
    endif
  endfor
endfunction

try
  call ale#linter#Define('sh', {
  \ 'name': 'quirk',
  \ 'lsp': 'stdio',
  \ 'executable': $QUIRK_BIN,
  \ 'command': '%e lsp',
  \ 'project_root': {b -> fnamemodify(bufname(b), ':p:h')},
  \})
  execute 'edit' fnameescape($QUIRK_VIM_SCRIPT)
  set filetype=sh
  ALELint
  if !s:Wait('len(s:Items()) > 0', 15000)
    throw 'no diagnostics from ALE in 15s'
  endif
  let s:out.before = s:Items()
  if s:shellcheck
    throw 'done'
  endif
  " Put the cursor on the QK5001 finding and ask for code actions.
  let s:hit = filter(copy(ale#engine#GetLoclist(bufnr(''))), 'get(v:val, "code", "") is# "QK5001"')
  if empty(s:hit)
    throw 'no QK5001 in ' . string(s:out.before)
  endif
  call cursor(s:hit[0].lnum, s:hit[0].col)
  let s:applied = 0
  call ale#codefix#Execute(0, function('s:OnActions'))
  if !s:Wait('s:applied', 15000)
    throw 'no disable action applied; actions: ' . string(get(s:out, 'actions', []))
  endif
  let s:out.lines = getline(1, '$')
  ALELint
  if !s:Wait('empty(filter(s:Items(), ''v:val.code is# "QK5001"''))', 15000)
    throw 'QK5001 still shown after the disable action'
  endif
  sleep 300m
  let s:out.after = s:Items()
catch /^done$/
catch
  let s:out.error = v:exception . ' at ' . v:throwpoint
endtry
call s:Finish()
