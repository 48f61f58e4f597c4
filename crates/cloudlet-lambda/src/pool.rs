//! Warm instances waiting for work, one list per function. An instance serves one
//! invocation at a time: callers take one out (or start a new one, which is how the pool
//! scales out) and give it back when it finished cleanly. Instances of a retired
//! generation (code or configuration changed, function deleted) are dropped, which kills
//! them. Knows nothing of how instances are started.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::instance::Instance;

/// Idle instances kept per function at most.
const MAX_IDLE: usize = 64;

pub struct Pool {
    idle: Mutex<HashMap<String, Vec<Instance>>>,
    /// Per function, the lowest generation still allowed to run.
    floor: Mutex<HashMap<String, u64>>,
    next_generation: AtomicU64,
}

impl Default for Pool {
    fn default() -> Self {
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Pool {
            idle: Mutex::new(HashMap::new()),
            floor: Mutex::new(HashMap::new()),
            next_generation: AtomicU64::new(start),
        }
    }
}

impl Pool {
    /// A generation number larger than any handed out before (also across restarts).
    pub fn fresh_generation(&self) -> u64 {
        self.next_generation.fetch_add(1, Ordering::Relaxed)
    }

    /// A warm instance of `generation`, if one is idle.
    pub fn take(&self, key: &str, generation: u64) -> Option<Instance> {
        let mut dead = Vec::new();
        let found = {
            let mut idle = self.idle.lock().ok()?;
            let list = idle.get_mut(key)?;
            let mut found = None;
            while let Some(mut inst) = list.pop() {
                let alive = matches!(inst.child.try_wait(), Ok(None));
                if alive && inst.generation == generation {
                    found = Some(inst);
                    break;
                }
                dead.push(inst);
            }
            found
        };
        drop(dead);
        found
    }

    /// Returns an instance after a clean invocation.
    pub fn give(&self, key: &str, inst: Instance) {
        let floor = self
            .floor
            .lock()
            .ok()
            .and_then(|f| f.get(key).copied())
            .unwrap_or(0);
        if inst.generation < floor {
            return;
        }
        let rejected = match self.idle.lock() {
            Ok(mut idle) => {
                let list = idle.entry(key.to_string()).or_default();
                if list.len() < MAX_IDLE {
                    list.push(inst);
                    None
                } else {
                    Some(inst)
                }
            }
            Err(_) => Some(inst),
        };
        drop(rejected);
    }

    /// Kills the function's idle instances and refuses busy ones when they come back.
    pub fn retire(&self, key: &str) {
        let floor = self.fresh_generation();
        if let Ok(mut f) = self.floor.lock() {
            f.insert(key.to_string(), floor);
        }
        let gone = self.idle.lock().ok().and_then(|mut idle| idle.remove(key));
        drop(gone);
    }

    /// Kills every idle instance (server shutdown).
    pub fn clear(&self) {
        let all: Vec<Vec<Instance>> = match self.idle.lock() {
            Ok(mut idle) => idle.drain().map(|(_, v)| v).collect(),
            Err(_) => Vec::new(),
        };
        drop(all);
    }
}
