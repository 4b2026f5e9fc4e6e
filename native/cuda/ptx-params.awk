# Parameter sizes of every entry point of a PTX file: one "kernel<TAB>size,size,..." line each
# (bytes; a struct or array parameter, .b8 name[N], is one entry of N bytes).
function size(t) { return t ~ /64$/ ? 8 : (t ~ /32$/ ? 4 : (t ~ /16$/ ? 2 : 1)) }
/\.entry[ \t]/ {
  name = $0; sub(/.*\.entry[ \t]+/, "", name); sub(/[ \t]*\(.*/, "", name)
  inparams = 1; sizes = ""
  if ($0 !~ /\(/) next
}
inparams && /\.param/ {
  t = ""; n = 1
  if (match($0, /\[[0-9]+\]/)) n = substr($0, RSTART + 1, RLENGTH - 2)
  k = split($0, tok, /[ \t,]+/)
  for (j = 1; j <= k; j++) if (t == "" && tok[j] ~ /^\.[usbf](8|16|32|64)$/) t = tok[j]
  sizes = sizes (sizes == "" ? "" : ",") size(t) * n
}
inparams && /\)/ { print name "\t" sizes; inparams = 0 }
