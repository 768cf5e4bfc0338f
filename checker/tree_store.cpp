#include "checker/tree_store.hpp"

#include <cstring>

namespace hp {

TreeStore::TreeStore(unsigned words)
    : set_(std::make_unique<VisitedSet>(words)), scratch_words_(set_->padded_words(), 0),
      scratch_tree_(set_->tree_size() + 2, 0), new_tree_(set_->tree_size() + 2, 0) {
    set_->roots().begin_level();  // one "level" for ever: keys are the dense ids
}

std::pair<std::uint32_t, bool> TreeStore::insert(const std::uint32_t* words) {
    return insert(words, nullptr, nullptr);
}

std::pair<std::uint32_t, bool> TreeStore::insert(const std::uint32_t* words, const std::uint32_t* base_words,
                                                 const std::uint32_t* base_tree) {
    std::memcpy(scratch_words_.data(), words, set_->words() * 4);  // the padding words stay 0
    const auto next_id = static_cast<std::uint32_t>(roots_.size());
    const auto [root, inserted] =
        set_->insert(scratch_words_.data(), base_words, base_tree, new_tree_.data(), next_id, lookups_);
    if (inserted) roots_.push_back(root);
    return {static_cast<std::uint32_t>(set_->roots().key_of(root)), inserted};
}

void TreeStore::get(std::uint32_t id, std::uint32_t* out, std::uint32_t* tree) const {
    set_->get(roots_[id], scratch_words_.data(), tree ? tree : scratch_tree_.data());
    std::memcpy(out, scratch_words_.data(), set_->words() * 4);
}

}  // namespace hp
