;; MT19937 `randbelow(n)` draws on WebAssembly SIMD128: bit for bit the stream of MT19937.fillRandbelow
;; (src/scoring/random.ts), for the bootstrap (docs/healthbench.md §8). Assembled by `npm run wasm`
;; (src/build/assemble-wasm.ts) into src/scoring/generated/mt19937-wasm.ts; loaded by src/scoring/random-simd.ts.
;;
;; `means` does a whole bootstrap: per resample, `fill` then the pairwise sum of the values at the drawn indices
;; (the float additions of `gatheredRange` in src/scoring/pairwise.ts, in the same order), divided by n.
;;
;; Memory (byte offsets):
;;   0     the compaction table, 16 entries of 16 bytes
;;   256   the state mt[0 .. 623], then mt[624 .. 627], where a twist keeps a copy of the new mt[0 .. 3]
;;   4096  the output: `count` draws (the caller grows the memory to hold them)
;;   then, for `means`, wherever the caller puts them (8-byte aligned, after the draws): the n values (f64) and the
;;   B means (f64)
;; The caller owns the read position `mti`: `fill` and `means` take it and return where they stopped.
(module
  (memory (export "memory") 1)
  (global (export "stateOffset") i32 (i32.const 256))
  (global (export "outOffset") i32 (i32.const 4096))

  ;; Entry m gathers the 32-bit lanes whose bit is set in m to the front, in lane order; 0x80 bytes give zero.
  (data (i32.const 0)
    "\80\80\80\80\80\80\80\80\80\80\80\80\80\80\80\80" ;; 0000
    "\00\01\02\03\80\80\80\80\80\80\80\80\80\80\80\80" ;; 0001
    "\04\05\06\07\80\80\80\80\80\80\80\80\80\80\80\80" ;; 0010
    "\00\01\02\03\04\05\06\07\80\80\80\80\80\80\80\80" ;; 0011
    "\08\09\0a\0b\80\80\80\80\80\80\80\80\80\80\80\80" ;; 0100
    "\00\01\02\03\08\09\0a\0b\80\80\80\80\80\80\80\80" ;; 0101
    "\04\05\06\07\08\09\0a\0b\80\80\80\80\80\80\80\80" ;; 0110
    "\00\01\02\03\04\05\06\07\08\09\0a\0b\80\80\80\80" ;; 0111
    "\0c\0d\0e\0f\80\80\80\80\80\80\80\80\80\80\80\80" ;; 1000
    "\00\01\02\03\0c\0d\0e\0f\80\80\80\80\80\80\80\80" ;; 1001
    "\04\05\06\07\0c\0d\0e\0f\80\80\80\80\80\80\80\80" ;; 1010
    "\00\01\02\03\04\05\06\07\0c\0d\0e\0f\80\80\80\80" ;; 1011
    "\08\09\0a\0b\0c\0d\0e\0f\80\80\80\80\80\80\80\80" ;; 1100
    "\00\01\02\03\08\09\0a\0b\0c\0d\0e\0f\80\80\80\80" ;; 1101
    "\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\80\80\80\80" ;; 1110
    "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f" ;; 1111
  )

  ;; The scalar twist computes, for kk = 0 .. 623 in order, mt[kk] from mt[kk], mt[kk+1 mod 624] and
  ;; mt[kk+397 mod 624], each as it stands at that step. Four steps at a time give the same words when every lane
  ;; reads what its step reads: mt[kk+1 .. kk+4] are not yet updated (the group stores after it loads);
  ;; mt[kk+397 ..] are not yet updated while kk < 227, and already updated from kk = 227 on (227 lies 4 or more steps
  ;; back). The two reads that wrap to mt[0] (kk = 227 and kk = 623) need the new mt[0]: they read it at mt[624],
  ;; written right after the first group. The group at kk = 224 reads mt[621 .. 624]: three old words and that copy.
  (func $twist
    (local $p i32)
    (local $far i32)
    (local $y v128)
    (local $next v128)
    (local.set $p (i32.const 256))
    (local.set $far (i32.const 1588)) ;; +397 words
    (loop $group
      (local.set $y
        (v128.or
          (v128.and (v128.load (local.get $p)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
          (v128.and (v128.load offset=4 align=4 (local.get $p))
            (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))))
      (local.set $next
        (v128.xor
          (v128.xor
            (v128.load align=4 (i32.add (local.get $p) (local.get $far)))
            (i32x4.shr_u (local.get $y) (i32.const 1)))
          (v128.and
            (i32x4.shr_s (i32x4.shl (local.get $y) (i32.const 31)) (i32.const 31))
            (v128.const i32x4 0x9908b0df 0x9908b0df 0x9908b0df 0x9908b0df))))
      (v128.store (local.get $p) (local.get $next))
      (if (i32.eq (local.get $p) (i32.const 256))
        (then (v128.store (i32.const 2752) (local.get $next)))) ;; mt[624 .. 627]
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (if (i32.eq (local.get $p) (i32.const 1168)) ;; kk = 228: from here on mt[kk+397 mod 624] is mt[kk-227]
        (then (local.set $far (i32.const -908))))
      (br_if $group (i32.lt_u (local.get $p) (i32.const 2752)))))

  ;; Writes `count` draws of randbelow(n) (1 <= n < 2^31) to the output, reading the state from word `mti` on
  ;; (624 or more: twist first), and returns the position after the last word read. A word is tempered and shifted
  ;; right by clz32(n); it is a draw when below n, else the next word is tried, exactly as MT19937.randbelow does.
  ;; Four words are taken at once only while at least four draws are still wanted, so no word is read past the one
  ;; that gives the last draw, and the 16-byte store never reaches past `count`; the rest goes word by word.
  (func $fill (export "fill") (param $n i32) (param $count i32) (param $mti i32) (result i32)
    (local $shift i32)
    (local $got i32)
    (local $last i32)
    (local $bound v128)
    (local $y v128)
    (local $r v128)
    (local $mask i32)
    (local $w i32)
    (local.set $shift (i32.clz (local.get $n)))
    (local.set $bound (i32x4.splat (local.get $n)))
    (local.set $last (i32.sub (local.get $count) (i32.const 4))) ;; a group starts only at got <= count - 4
    (block $done
      (loop $refill
        (br_if $done (i32.ge_s (local.get $got) (local.get $count)))
        (if (i32.ge_u (local.get $mti) (i32.const 624))
          (then
            (call $twist)
            (local.set $mti (i32.const 0))))
        (block $groups_end
          (loop $groups
            (br_if $groups_end (i32.gt_u (local.get $mti) (i32.const 620)))
            (br_if $groups_end (i32.gt_s (local.get $got) (local.get $last)))
            (local.set $y (v128.load offset=256 align=4 (i32.shl (local.get $mti) (i32.const 2))))
            (local.set $y (v128.xor (local.get $y) (i32x4.shr_u (local.get $y) (i32.const 11))))
            (local.set $y
              (v128.xor (local.get $y)
                (v128.and (i32x4.shl (local.get $y) (i32.const 7))
                  (v128.const i32x4 0x9d2c5680 0x9d2c5680 0x9d2c5680 0x9d2c5680))))
            (local.set $y
              (v128.xor (local.get $y)
                (v128.and (i32x4.shl (local.get $y) (i32.const 15))
                  (v128.const i32x4 0xefc60000 0xefc60000 0xefc60000 0xefc60000))))
            (local.set $r
              (i32x4.shr_u (v128.xor (local.get $y) (i32x4.shr_u (local.get $y) (i32.const 18))) (local.get $shift)))
            (local.set $mask (i32x4.bitmask (i32x4.lt_u (local.get $r) (local.get $bound))))
            (v128.store offset=4096 align=4 (i32.shl (local.get $got) (i32.const 2))
              (i8x16.swizzle (local.get $r) (v128.load (i32.shl (local.get $mask) (i32.const 4)))))
            (local.set $got (i32.add (local.get $got) (i32.popcnt (local.get $mask))))
            (local.set $mti (i32.add (local.get $mti) (i32.const 4)))
            (br $groups)))
        (br_if $done (i32.ge_s (local.get $got) (local.get $count)))
        (if (i32.lt_u (local.get $mti) (i32.const 624))
          (then
            (local.set $w (i32.load offset=256 (i32.shl (local.get $mti) (i32.const 2))))
            (local.set $w (i32.xor (local.get $w) (i32.shr_u (local.get $w) (i32.const 11))))
            (local.set $w
              (i32.xor (local.get $w) (i32.and (i32.shl (local.get $w) (i32.const 7)) (i32.const 0x9d2c5680))))
            (local.set $w
              (i32.xor (local.get $w) (i32.and (i32.shl (local.get $w) (i32.const 15)) (i32.const 0xefc60000))))
            (local.set $w
              (i32.shr_u (i32.xor (local.get $w) (i32.shr_u (local.get $w) (i32.const 18))) (local.get $shift)))
            (i32.store offset=4096 (i32.shl (local.get $got) (i32.const 2)) (local.get $w))
            (local.set $got (i32.add (local.get $got) (i32.lt_u (local.get $w) (local.get $n))))
            (local.set $mti (i32.add (local.get $mti) (i32.const 1)))))
        (br $refill)))
    (local.get $mti))

  ;; numpy's pairwise sum of values[idx[0]], ..., values[idx[n-1]], where idx is the i32 array at byte `p` and values
  ;; the f64 array at byte `v`: exactly the additions of `gatheredRange` (src/scoring/pairwise.ts), in its order.
  ;; Below 8: left to right from 0. Up to 128: eight accumulators started on the first eight, fed in steps of eight,
  ;; combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remainder added in order. Longer: split at n/2 rounded
  ;; down to a multiple of 8, left sum + right sum.
  (func $range (param $v i32) (param $p i32) (param $n i32) (result f64)
    (local $s f64)
    (local $r0 f64) (local $r1 f64) (local $r2 f64) (local $r3 f64)
    (local $r4 f64) (local $r5 f64) (local $r6 f64) (local $r7 f64)
    (local $end i32)
    (local $blocked i32)
    (local $n2 i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (if (i32.lt_u (local.get $n) (i32.const 8))
      (then
        (local.set $s (f64.const 0))
        (block $small_end
          (loop $small
            (br_if $small_end (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $s (f64.add (local.get $s)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load (local.get $p)) (i32.const 3))))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $small)))
        (return (local.get $s))))
    (if (i32.le_u (local.get $n) (i32.const 128))
      (then
        (local.set $r0 (f64.load (i32.add (local.get $v) (i32.shl (i32.load (local.get $p)) (i32.const 3)))))
        (local.set $r1 (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 3)))))
        (local.set $r2 (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=8 (local.get $p)) (i32.const 3)))))
        (local.set $r3 (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=12 (local.get $p)) (i32.const 3)))))
        (local.set $r4 (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=16 (local.get $p)) (i32.const 3)))))
        (local.set $r5 (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=20 (local.get $p)) (i32.const 3)))))
        (local.set $r6 (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=24 (local.get $p)) (i32.const 3)))))
        (local.set $r7 (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=28 (local.get $p)) (i32.const 3)))))
        (local.set $blocked
          (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (block $blocks_end
          (loop $blocks
            (br_if $blocks_end (i32.ge_u (local.get $p) (local.get $blocked)))
            (local.set $r0 (f64.add (local.get $r0)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load (local.get $p)) (i32.const 3))))))
            (local.set $r1 (f64.add (local.get $r1)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 3))))))
            (local.set $r2 (f64.add (local.get $r2)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=8 (local.get $p)) (i32.const 3))))))
            (local.set $r3 (f64.add (local.get $r3)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=12 (local.get $p)) (i32.const 3))))))
            (local.set $r4 (f64.add (local.get $r4)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=16 (local.get $p)) (i32.const 3))))))
            (local.set $r5 (f64.add (local.get $r5)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=20 (local.get $p)) (i32.const 3))))))
            (local.set $r6 (f64.add (local.get $r6)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=24 (local.get $p)) (i32.const 3))))))
            (local.set $r7 (f64.add (local.get $r7)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=28 (local.get $p)) (i32.const 3))))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $blocks)))
        (local.set $s
          (f64.add
            (f64.add (f64.add (local.get $r0) (local.get $r1)) (f64.add (local.get $r2) (local.get $r3)))
            (f64.add (f64.add (local.get $r4) (local.get $r5)) (f64.add (local.get $r6) (local.get $r7)))))
        (block $rest_end
          (loop $rest
            (br_if $rest_end (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $s (f64.add (local.get $s)
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load (local.get $p)) (i32.const 3))))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $rest)))
        (return (local.get $s))))
    (local.set $n2 (i32.and (i32.shr_u (local.get $n) (i32.const 1)) (i32.const -8)))
    (f64.add
      (call $range (local.get $v) (local.get $p) (local.get $n2))
      (call $range
        (local.get $v)
        (i32.add (local.get $p) (i32.shl (local.get $n2) (i32.const 2)))
        (i32.sub (local.get $n) (local.get $n2)))))

  ;; `count` bootstrap means of the n values at byte `v` (n >= 1), written as f64 from byte `out`: per resample, n
  ;; draws of randbelow(n) (`fill`, from word `mti`), their pairwise sum, divided by n, and, when `clip` is set,
  ;; clipped to [0, 1] like `clip01` in src/scoring/aggregate.ts (x < 0 ? 0 : x > 1 ? 1 : x). Returns the position
  ;; after the last word read, as `fill` does.
  (func (export "means")
    (param $n i32) (param $count i32) (param $mti i32) (param $v i32) (param $out i32) (param $clip i32) (result i32)
    (local $end i32)
    (local $m f64)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (loop $resample
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $mti (call $fill (local.get $n) (local.get $n) (local.get $mti)))
        (local.set $m
          (f64.div (call $range (local.get $v) (i32.const 4096) (local.get $n)) (f64.convert_i32_u (local.get $n))))
        (if (local.get $clip)
          (then
            (local.set $m
              (select (f64.const 0)
                (select (f64.const 1) (local.get $m) (f64.gt (local.get $m) (f64.const 1)))
                (f64.lt (local.get $m) (f64.const 0))))))
        (f64.store (local.get $out) (local.get $m))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $resample)))
    (local.get $mti))
)
