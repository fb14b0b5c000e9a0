//! A tiny inventory: the sample crate `symposium demo` reviews.

/// One line of the inventory.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    pub count: u32,
}

/// Sums the counts of every item.
pub fn total(items: &Vec<Item>) -> u32 {
    items.iter().map(|item| item.count).sum()
}
