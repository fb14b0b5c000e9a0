//! A least-recently-used cache with a byte budget.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

struct Entry<V> {
    value: V,
    size: usize,
    inserted: Instant,
    prev: Option<usize>,
    next: Option<usize>,
}

/// An LRU cache that evicts by total size and by age.
pub struct Cache<K, V> {
    map: HashMap<K, usize>,
    slots: Vec<Option<(K, Entry<V>)>>,
    free: Vec<usize>,
    head: Option<usize>,
    tail: Option<usize>,
    used: usize,
    budget: usize,
    ttl: Option<Duration>,
    hits: u64,
    misses: u64,
}

impl<K: Hash + Eq + Clone, V> Cache<K, V> {
    /// Creates a cache holding at most `budget` bytes.
    pub fn new(budget: usize) -> Self {
        Cache {
            map: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            head: None,
            tail: None,
            used: 0,
            budget,
            ttl: None,
            hits: 0,
            misses: 0,
        }
    }

    /// Expires entries older than `ttl`.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Returns the value for `key`, marking it recently used.
    pub fn get(&mut self, key: &K) -> Option<&V> {
        let Some(&idx) = self.map.get(key) else {
            self.misses += 1;
            return None;
        };
        if let Some(ttl) = self.ttl {
            let inserted = self.slots[idx].as_ref().map(|(_, e)| e.inserted)?;
            if inserted.elapsed() > ttl {
                self.remove_slot(idx);
                self.misses += 1;
                return None;
            }
        }
        self.hits += 1;
        self.unlink(idx);
        self.push_front(idx);
        self.slots[idx].as_ref().map(|(_, e)| &e.value)
    }

    /// Inserts `value` of `size` bytes, evicting old entries to make room.
    /// Values larger than the whole budget are not cached.
    pub fn insert(&mut self, key: K, value: V, size: usize) -> bool {
        if size > self.budget {
            return false;
        }
        if let Some(&idx) = self.map.get(&key) {
            self.remove_slot(idx);
        }
        while self.used + size > self.budget {
            match self.tail {
                Some(t) => self.remove_slot(t),
                None => break,
            }
        }
        let entry = Entry { value, size, inserted: Instant::now(), prev: None, next: None };
        let idx = match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some((key.clone(), entry));
                i
            }
            None => {
                self.slots.push(Some((key.clone(), entry)));
                self.slots.len() - 1
            }
        };
        self.map.insert(key, idx);
        self.used += size;
        self.push_front(idx);
        true
    }

    /// The hit ratio since creation, or 0 without lookups.
    pub fn hit_ratio(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }

    fn remove_slot(&mut self, idx: usize) {
        self.unlink(idx);
        if let Some((key, entry)) = self.slots[idx].take() {
            self.map.remove(&key);
            self.used -= entry.size;
            self.free.push(idx);
        }
    }

    fn unlink(&mut self, idx: usize) {
        let (prev, next) = match &self.slots[idx] {
            Some((_, e)) => (e.prev, e.next),
            None => return,
        };
        match prev {
            Some(p) => self.slots[p].as_mut().unwrap().1.next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => self.slots[n].as_mut().unwrap().1.prev = prev,
            None => self.tail = prev,
        }
    }

    fn push_front(&mut self, idx: usize) {
        let old = self.head;
        if let Some((_, e)) = self.slots[idx].as_mut() {
            e.prev = None;
            e.next = old;
        }
        if let Some(h) = old {
            self.slots[h].as_mut().unwrap().1.prev = Some(idx);
        }
        self.head = Some(idx);
        if self.tail.is_none() {
            self.tail = Some(idx);
        }
    }
}
