package githubfake

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/google/go-github/v62/github"
)

// checkRun is a check run of the model with what GitHub keeps beside the run
// value: every annotation posted, and the requested-action buttons.
type checkRun struct {
	v           *github.CheckRun
	annotations []*github.CheckRunAnnotation
	actions     []*github.CheckRunAction
}

type checkRunRequest struct {
	Name        *string                  `json:"name"`
	HeadSHA     *string                  `json:"head_sha"`
	DetailsURL  *string                  `json:"details_url"`
	ExternalID  *string                  `json:"external_id"`
	Status      *string                  `json:"status"`
	Conclusion  *string                  `json:"conclusion"`
	StartedAt   *github.Timestamp        `json:"started_at"`
	CompletedAt *github.Timestamp        `json:"completed_at"`
	Output      *github.CheckRunOutput   `json:"output"`
	Actions     []*github.CheckRunAction `json:"actions"`
}

var (
	checkStatuses    = []string{"queued", "in_progress", "completed", "waiting", "requested", "pending"}
	checkConclusions = []string{"action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"}
	annotationLevels = []string{"notice", "warning", "failure"}
)

// validateCheckRun applies GitHub's checks to a create or update request and
// returns the 422 to answer, if any (status, then field errors).
func validateCheckRun(w http.ResponseWriter, req *checkRunRequest, creating bool) bool {
	if creating && (req.Name == nil || *req.Name == "") {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"name\" wasn't supplied.")
		return false
	}
	if creating && (req.HeadSHA == nil || *req.HeadSHA == "") {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"head_sha\" wasn't supplied.")
		return false
	}
	if req.Status != nil && !slices.Contains(checkStatuses, *req.Status) {
		writeInvalidField(w, "CheckRun", "status", *req.Status)
		return false
	}
	if req.Conclusion != nil && !slices.Contains(checkConclusions, *req.Conclusion) {
		writeInvalidField(w, "CheckRun", "conclusion", *req.Conclusion)
		return false
	}
	if len(req.Actions) > 3 {
		writeValidation(w, "Only 3 actions are allowed per check run.")
		return false
	}
	for _, a := range req.Actions {
		if a.Label == "" || len(a.Label) > 20 || a.Description == "" || len(a.Description) > 40 ||
			a.Identifier == "" || len(a.Identifier) > 20 {
			writeValidation(w, "Actions need a label (max 20 characters), a description (max 40) and an identifier (max 20).")
			return false
		}
	}
	o := req.Output
	if o == nil {
		return true
	}
	if o.Title == nil || o.Summary == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"title\" and \"summary\" are required in \"output\".")
		return false
	}
	if len(o.GetSummary()) > 65535 || len(o.GetText()) > 65535 {
		writeValidation(w, "Output summary and text are limited to 65535 characters.")
		return false
	}
	if len(o.Annotations) > 50 {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nOnly 50 annotations are allowed per request.")
		return false
	}
	for _, a := range o.Annotations {
		if a.GetPath() == "" || a.StartLine == nil || a.EndLine == nil || a.GetMessage() == "" || a.AnnotationLevel == nil {
			writeError(w, http.StatusUnprocessableEntity,
				"Invalid request.\n\n\"path\", \"start_line\", \"end_line\", \"annotation_level\" and \"message\" are required in annotations.")
			return false
		}
		if !slices.Contains(annotationLevels, a.GetAnnotationLevel()) {
			writeInvalidField(w, "CheckRun", "annotation_level", a.GetAnnotationLevel())
			return false
		}
		if (a.StartColumn != nil || a.EndColumn != nil) && a.GetStartLine() != a.GetEndLine() {
			writeValidation(w, "start_column and end_column may only be set when start_line equals end_line.")
			return false
		}
	}
	return true
}

func (s *Server) handleCreateCheckRun(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "write", "checks")
	if rp == nil {
		return
	}
	var req checkRunRequest
	if !decodeBody(w, r, &req) || !validateCheckRun(w, &req, true) {
		return
	}
	sha, err := s.revParse(r.Context(), rp.bareDir, *req.HeadSHA)
	if err != nil || sha != *req.HeadSHA {
		writeValidation(w, "No commit found for SHA: "+*req.HeadSHA)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID()
	now := &github.Timestamp{Time: time.Now().UTC().Truncate(time.Second)}
	cr := &checkRun{v: &github.CheckRun{
		ID:         github.Int64(id),
		NodeID:     github.String(fmt.Sprintf("CR_%d", id)),
		Name:       req.Name,
		HeadSHA:    github.String(sha),
		Status:     github.String("queued"),
		StartedAt:  now,
		URL:        github.String(s.apiURL("/repos/%s/check-runs/%d", rp.fullName, id)),
		HTMLURL:    github.String(s.htmlURL("/%s/runs/%d", rp.fullName, id)),
		CheckSuite: &github.CheckSuite{ID: github.Int64(id + 500000)},
		App:        s.appValue(),
		Output: &github.CheckRunOutput{
			AnnotationsCount: github.Int(0),
			AnnotationsURL:   github.String(s.apiURL("/repos/%s/check-runs/%d/annotations", rp.fullName, id)),
		},
	}}
	if msg := s.applyCheckRun(cr, &req); msg != "" {
		writeValidation(w, msg)
		return
	}
	for _, p := range rp.pulls {
		if p.HeadSHA == sha {
			cr.v.PullRequests = append(cr.v.PullRequests, &github.PullRequest{
				ID: github.Int64(p.id), Number: github.Int(p.Number),
				URL: github.String(s.apiURL("/repos/%s/pulls/%d", rp.fullName, p.Number)),
			})
		}
	}
	rp.checkRuns = append(rp.checkRuns, cr)
	writeJSON(w, http.StatusCreated, cr.v)
}

// applyCheckRun copies the request's fields onto the run (caller holds s.mu).
// It returns a validation message when the resulting state is inconsistent.
func (s *Server) applyCheckRun(cr *checkRun, req *checkRunRequest) string {
	v := cr.v
	if req.Conclusion != nil && req.Status != nil && *req.Status != "completed" {
		return "Conclusion can only be set when status is completed."
	}
	if req.Status != nil && *req.Status == "completed" && req.Conclusion == nil && v.Conclusion == nil {
		return "Conclusion is required when status is completed."
	}
	if req.Name != nil {
		v.Name = req.Name
	}
	if req.DetailsURL != nil {
		v.DetailsURL = req.DetailsURL
	}
	if req.ExternalID != nil {
		v.ExternalID = req.ExternalID
	}
	if req.StartedAt != nil {
		v.StartedAt = req.StartedAt
	}
	if req.Status != nil {
		v.Status = req.Status
	}
	if req.Conclusion != nil {
		v.Conclusion = req.Conclusion
		v.Status = github.String("completed")
	}
	if v.GetStatus() == "completed" && v.CompletedAt == nil {
		v.CompletedAt = &github.Timestamp{Time: time.Now().UTC().Truncate(time.Second)}
	}
	if req.CompletedAt != nil {
		v.CompletedAt = req.CompletedAt
	}
	if o := req.Output; o != nil {
		v.Output.Title, v.Output.Summary, v.Output.Text = o.Title, o.Summary, o.Text
		cr.annotations = append(cr.annotations, o.Annotations...)
		v.Output.AnnotationsCount = github.Int(len(cr.annotations))
	}
	if req.Actions != nil {
		cr.actions = req.Actions
	}
	return ""
}

// lookupCheckRun finds the path's {id} in the repository (caller holds s.mu).
func lookupCheckRun(rp *repo, r *http.Request) *checkRun {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, cr := range rp.checkRuns {
		if cr.v.GetID() == id {
			return cr
		}
	}
	return nil
}

func (s *Server) handleUpdateCheckRun(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "write", "checks")
	if rp == nil {
		return
	}
	var req checkRunRequest
	if !decodeBody(w, r, &req) || !validateCheckRun(w, &req, false) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cr := lookupCheckRun(rp, r)
	if cr == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if msg := s.applyCheckRun(cr, &req); msg != "" {
		writeValidation(w, msg)
		return
	}
	writeJSON(w, http.StatusOK, cr.v)
}

func (s *Server) handleGetCheckRun(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "read", "checks")
	if rp == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cr := lookupCheckRun(rp, r); cr != nil {
		writeJSON(w, http.StatusOK, cr.v)
		return
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

func (s *Server) handleListAnnotations(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "read", "checks")
	if rp == nil {
		return
	}
	s.mu.Lock()
	cr := lookupCheckRun(rp, r)
	var list []*github.CheckRunAnnotation
	if cr != nil {
		list = clone(cr.annotations)
	}
	s.mu.Unlock()
	if cr == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, paginate(w, r, list))
}

func (s *Server) handleListCheckRunsForRef(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "read", "checks")
	if rp == nil {
		return
	}
	sha, err := s.revParse(r.Context(), rp.bareDir, r.PathValue("ref"))
	if err != nil {
		writeValidation(w, "No commit found for SHA: "+r.PathValue("ref"))
		return
	}
	q := r.URL.Query()
	name, status, filter := q.Get("check_name"), q.Get("status"), q.Get("filter")
	if filter != "" && filter != "latest" && filter != "all" {
		writeInvalidField(w, "CheckRun", "filter", filter)
		return
	}
	if status != "" && !slices.Contains(checkStatuses, status) {
		writeInvalidField(w, "CheckRun", "status", status)
		return
	}
	s.mu.Lock()
	var list []*github.CheckRun
	seen := map[string]bool{}
	for i := len(rp.checkRuns) - 1; i >= 0; i-- { // newest first
		v := rp.checkRuns[i].v
		if v.GetHeadSHA() != sha || (name != "" && v.GetName() != name) || (status != "" && v.GetStatus() != status) {
			continue
		}
		if filter != "all" && seen[v.GetName()] {
			continue
		}
		seen[v.GetName()] = true
		list = append(list, v)
	}
	s.mu.Unlock()
	page := paginate(w, r, list)
	writeJSON(w, http.StatusOK, &github.ListCheckRunsResults{Total: github.Int(len(list)), CheckRuns: page})
}

// CheckRuns returns the check runs created on the repository, oldest first.
func (s *Server) CheckRuns(fullName string) []*github.CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*github.CheckRun
	if rp := s.repos[fullName]; rp != nil {
		for _, cr := range rp.checkRuns {
			out = append(out, clone(cr.v))
		}
	}
	return out
}

// Annotations returns every annotation posted on a check run.
func (s *Server) Annotations(fullName string, checkRunID int64) []*github.CheckRunAnnotation {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repos[fullName]; rp != nil {
		for _, cr := range rp.checkRuns {
			if cr.v.GetID() == checkRunID {
				return append([]*github.CheckRunAnnotation(nil), cr.annotations...)
			}
		}
	}
	return nil
}

// CheckRunActions returns the requested-action buttons of a check run.
func (s *Server) CheckRunActions(fullName string, checkRunID int64) []*github.CheckRunAction {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repos[fullName]; rp != nil {
		for _, cr := range rp.checkRuns {
			if cr.v.GetID() == checkRunID {
				return append([]*github.CheckRunAction(nil), cr.actions...)
			}
		}
	}
	return nil
}
