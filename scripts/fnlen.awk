# Functions longer than MAX lines (the opening "{" at column 0 to the closing "}" at column 0,
# clang-format's layout): prints FILE:LINE:NAME:LENGTH.
FNR == 1 { sig = ""; start = 0 }
/^\{[ \t]*$/ && sig != "" { start = FNR; name = sig; next }
/^\}/ && start {
    len = FNR - start + 1
    if (len > max) printf "%s:%d:%s:%d\n", FILENAME, start, name, len
    start = 0; sig = ""; next
}
!start {
    if ($0 ~ /^[A-Za-z_].*\(/ && $0 !~ /;[ \t]*$/ && $0 !~ /^#/) {
        s = $0; sub(/\(.*/, "", s); n = split(s, w, /[ \t*]+/); sig = w[n]
    } else if ($0 ~ /;[ \t]*$/ || $0 ~ /^$/ || $0 ~ /^#/) {
        sig = ""
    }
}
